import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { minimumVersion } from '../../src/cdi/spec-version';
import { formatProblem, validateSpec } from '../../src/cdi/validate';
import { classProblem, deviceNameProblem, parseKind, vendorProblem } from '../../src/cdi/validate-names';

type Doc = Record<string, unknown>;
const base = (): Doc => ({
  cdiVersion: '0.5.0',
  kind: 'nvidia.com/gpu',
  devices: [
    {
      name: '0',
      containerEdits: {
        deviceNodes: [
          { path: '/dev/nvidia0', type: 'c', major: 195, minor: 0 },
          { path: '/dev/nvidiactl', hostPath: '/run/nvidia/driver/dev/nvidiactl', permissions: 'rw' },
        ],
      },
    },
  ],
  containerEdits: {
    env: ['NVIDIA_VISIBLE_DEVICES=void'],
    mounts: [
      {
        hostPath: '/usr/lib/libcuda.so.1',
        containerPath: '/usr/lib/libcuda.so.1',
        options: ['ro', 'nosuid', 'nodev', 'bind'],
      },
    ],
    hooks: [
      {
        hookName: 'createContainer',
        path: '/usr/bin/nvidia-cdi-hook',
        args: ['nvidia-cdi-hook', 'update-ldcache'],
        timeout: 5,
      },
    ],
  },
});

function edit(f: (d: Doc & { devices: Doc[]; containerEdits: Doc }) => void): Doc {
  const d = base() as Doc & { devices: Doc[]; containerEdits: Doc };
  f(d);
  return d;
}
const dev0 = (d: { devices: Doc[] }) => d.devices[0]!.containerEdits as { deviceNodes: Doc[] } & Doc;

// biome-ignore format: one broken spec per line reads as a table
/** [what is broken, the document, the field path, a part of the message]. */
const BROKEN: [string, unknown, string, string][] = [
  ['not a mapping', ['a', 'list'], '', 'must be a mapping (got a list)'],
  ['cdiVersion missing', edit((d) => delete d.cdiVersion), 'cdiVersion', 'is required'],
  ['cdiVersion read as a number', edit((d) => { d.cdiVersion = 1.1; }), 'cdiVersion', 'must be a string (got number 1.1)'],
  ['unknown cdiVersion', edit((d) => { d.cdiVersion = '0.9.0'; }), 'cdiVersion', 'unknown CDI version "0.9.0"'],
  ['cdiVersion below the content minimum', edit((d) => { d.cdiVersion = '0.4.0'; }), 'cdiVersion', 'must be at least 0.5.0 because a device node sets `hostPath`'],
  ['kind missing', edit((d) => delete d.kind), 'kind', 'is required'],
  ['kind without class', edit((d) => { d.kind = 'nvidia.com'; }), 'kind', 'must have the form <vendor>/<class>'],
  ['vendor starting with a digit', edit((d) => { d.kind = '1nvidia.com/gpu'; }), 'kind', 'vendor "1nvidia.com" must start with a letter'],
  ['class with a bad character', edit((d) => { d.kind = 'nvidia.com/g+pu'; }), 'kind', 'class "g+pu" contains \'+\''],
  ['devices missing', edit((d) => delete (d as Doc).devices), 'devices', 'is required'],
  ['devices empty', edit((d) => { d.devices = []; }), 'devices', 'must list at least one device'],
  ['device name missing', edit((d) => delete d.devices[0]!.name), 'devices[0].name', 'is required'],
  ['device name read as boolean (YAML 1.1 `yes`)', edit((d) => { d.devices[0]!.name = true; }), 'devices[0].name', 'must be a string (got boolean true)'],
  ['device name with a slash', edit((d) => { d.devices[0]!.name = 'gpu/0'; }), 'devices[0].name', "contains '/'"],
  ['device name ending in a dash', edit((d) => { d.devices[0]!.name = 'gpu-'; }), 'devices[0].name', 'must end with a letter or digit'],
  ['duplicate device names', edit((d) => { d.devices.push({ name: '0', containerEdits: { env: ['A=1'] } }); }), 'devices[1].name', 'duplicate device name "0" (also devices[0])'],
  ['device without containerEdits', edit((d) => delete d.devices[0]!.containerEdits), 'devices[0].containerEdits', 'is required'],
  ['device with empty containerEdits', edit((d) => { d.devices[0]!.containerEdits = { deviceNodes: [] }; }), 'devices[0].containerEdits', 'must not be empty'],
  ['unknown top-level field', edit((d) => { d.version = '0.5.0'; }), 'version', 'unknown field'],
  ['unknown field in a device node', edit((d) => { dev0(d).deviceNodes[0]!.mode = 438; }), 'devices[0].containerEdits.deviceNodes[0].mode', 'unknown field'],
  ['device node path relative', edit((d) => { dev0(d).deviceNodes[1]!.path = 'dev/nvidiactl'; }), 'devices[0].containerEdits.deviceNodes[1].path', 'must be an absolute path'],
  ['device node path missing', edit((d) => delete dev0(d).deviceNodes[0]!.path), 'devices[0].containerEdits.deviceNodes[0].path', 'is required'],
  ['device node hostPath relative', edit((d) => { dev0(d).deviceNodes[1]!.hostPath = 'nvidiactl'; }), 'devices[0].containerEdits.deviceNodes[1].hostPath', 'must be an absolute path'],
  ['device node type unknown', edit((d) => { dev0(d).deviceNodes[0]!.type = 'char'; }), 'devices[0].containerEdits.deviceNodes[0].type', 'must be one of b, c, u, p'],
  ['device node major negative', edit((d) => { dev0(d).deviceNodes[0]!.major = -1; }), 'devices[0].containerEdits.deviceNodes[0].major', 'must be between 0 and'],
  ['device node minor as string', edit((d) => { dev0(d).deviceNodes[0]!.minor = '0'; }), 'devices[0].containerEdits.deviceNodes[0].minor', 'must be an integer (got the string "0")'],
  ['device node uid beyond uint32', edit((d) => { dev0(d).deviceNodes[0]!.uid = 2 ** 32; }), 'devices[0].containerEdits.deviceNodes[0].uid', 'must be between 0 and 4294967295'],
  ['cgroup permissions', edit((d) => { dev0(d).deviceNodes[1]!.permissions = 'rwx'; }), 'devices[0].containerEdits.deviceNodes[1].permissions', 'may only contain r, w and m'],
  ['env without =', edit((d) => { d.containerEdits.env = ['NVIDIA_VISIBLE_DEVICES']; }), 'containerEdits.env[0]', 'must have the form NAME=VALUE'],
  ['env with empty name', edit((d) => { d.containerEdits.env = ['=x']; }), 'containerEdits.env[0]', 'variable name must not be empty'],
  ['mount without hostPath', edit((d) => { d.containerEdits.mounts = [{ containerPath: '/x', options: ['bind'] }]; }), 'containerEdits.mounts[0].hostPath', 'is required'],
  ['bind mount with relative hostPath', edit((d) => { d.containerEdits.mounts = [{ hostPath: 'lib', containerPath: '/x', options: ['rbind'] }]; }), 'containerEdits.mounts[0].hostPath', 'must be an absolute path'],
  ['mount containerPath relative', edit((d) => { d.containerEdits.mounts = [{ hostPath: '/x', containerPath: 'x' }]; }), 'containerEdits.mounts[0].containerPath', 'must be an absolute path'],
  ['mount options not a list', edit((d) => { d.containerEdits.mounts = [{ hostPath: '/x', containerPath: '/x', options: 'ro,bind' }]; }), 'containerEdits.mounts[0].options', 'must be a list'],
  ['hook name unknown', edit((d) => { d.containerEdits.hooks = [{ hookName: 'createcontainer', path: '/h' }]; }), 'containerEdits.hooks[0].hookName', 'must be one of prestart, createRuntime, createContainer'],
  ['hook path relative', edit((d) => { d.containerEdits.hooks = [{ hookName: 'createContainer', path: 'nvidia-cdi-hook' }]; }), 'containerEdits.hooks[0].path', 'must be an absolute path'],
  ['hook timeout zero', edit((d) => { d.containerEdits.hooks = [{ hookName: 'poststop', path: '/h', timeout: 0 }]; }), 'containerEdits.hooks[0].timeout', 'must be between 1 and'],
  ['hook args with a number', edit((d) => { d.containerEdits.hooks = [{ hookName: 'poststop', path: '/h', args: ['h', 1] }]; }), 'containerEdits.hooks[0].args[1]', 'must be a string'],
  ['annotation value not a string', { ...base(), cdiVersion: '0.6.0', annotations: { 'nvidia.com/x': 1 } }, 'annotations.nvidia.com/x', 'must be a string'],
  ['annotation key invalid', { ...base(), cdiVersion: '0.6.0', annotations: { 'bad key': 'x' } }, 'annotations.bad key', 'must be a qualified name'],
  ['additionalGids negative', { ...base(), cdiVersion: '0.7.0', containerEdits: { additionalGids: [-5] } }, 'containerEdits.additionalGids[0]', 'must be an integer between 0'],
  ['netDevice name too long', { ...base(), cdiVersion: '1.1.0', containerEdits: { netDevices: [{ hostInterfaceName: 'eth0', name: 'a-very-long-ifname' }] }, }, 'containerEdits.netDevices[0].name', 'longer than 15'],
  ['netDevice hostInterfaceName missing', { ...base(), cdiVersion: '1.1.0', containerEdits: { netDevices: [{ name: 'eth0' }] } }, 'containerEdits.netDevices[0].hostInterfaceName', 'is required'],
  ['intelRdt closID with a slash', { ...base(), cdiVersion: '0.7.0', containerEdits: { intelRdt: { closID: '../x' } } }, 'containerEdits.intelRdt.closID', 'must be a plain directory name'],
  ['netDevices declared too old', { ...base(), containerEdits: { netDevices: [{ hostInterfaceName: 'eth0', name: 'eth1' }] } }, 'cdiVersion', 'must be at least 1.1.0 because containerEdits use `netDevices`'],
];

describe('CDI spec validator', () => {
  test('the base document and fuller valid specs have no problems', () => {
    assert.deepEqual(validateSpec(base()), []);
    const full = {
      cdiVersion: 'v1.1.0',
      kind: 'vendor.example.com/net.card',
      annotations: { 'example.com/owner': 'team' },
      devices: [
        {
          name: 'all',
          annotations: { a: 'b' },
          containerEdits: { netDevices: [{ hostInterfaceName: 'eth0', name: 'eth1' }] },
        },
        {
          name: 'MIG-5c2b1f2e-7a55',
          containerEdits: {
            additionalGids: [44],
            intelRdt: { closID: 'clos1', schemata: ['L3:0=ff'], enableMonitoring: true },
          },
        },
      ],
      containerEdits: {
        mounts: [{ hostPath: 'tmpfs', containerPath: '/scratch', type: 'tmpfs' }],
        deviceNodes: null,
      },
    };
    assert.deepEqual(validateSpec(full), []);
  });

  test(`rejects ${BROKEN.length} kinds of broken specs, each naming the field`, () => {
    assert.ok(BROKEN.length >= 15);
    for (const [what, doc, path, message] of BROKEN) {
      const problems = validateSpec(doc);
      const hit = problems.find((p) => p.path === path && p.message.includes(message));
      assert.ok(
        hit,
        `${what}: expected "${path}: …${message}…", got ${JSON.stringify(problems.map(formatProblem))}`,
      );
      assert.equal(formatProblem(hit), path === '' ? hit.message : `${path}: ${hit.message}`);
    }
  });

  test('collects every problem instead of stopping at the first', () => {
    const doc = edit((d) => {
      d.kind = 'nvidia';
      dev0(d).deviceNodes[0]!.path = 'dev/nvidia0';
      d.containerEdits.env = ['X'];
    });
    assert.deepEqual(
      validateSpec(doc).map((p) => p.path),
      ['kind', 'containerEdits.env[0]', 'devices[0].containerEdits.deviceNodes[0].path'],
    );
  });

  test('minimum versions follow the CDI rules', () => {
    const spec = (extra: Doc, names = ['gpu0']) => ({
      cdiVersion: '0.3.0',
      kind: 'nvidia.com/gpu',
      devices: names.map((name) => ({ name, containerEdits: { env: ['A=1'] } })),
      ...extra,
    });
    assert.equal(minimumVersion(spec({})), '0.3.0');
    assert.equal(
      minimumVersion(
        spec({ containerEdits: { mounts: [{ hostPath: '/a', containerPath: '/a', type: 'bind' }] } }),
      ),
      '0.4.0',
    );
    assert.equal(minimumVersion(spec({}, ['0'])), '0.5.0');
    assert.equal(
      minimumVersion(spec({ containerEdits: { deviceNodes: [{ path: '/d', hostPath: '/h/d' }] } })),
      '0.5.0',
    );
    assert.equal(minimumVersion(spec({ annotations: { a: 'b' } })), '0.6.0');
    assert.equal(minimumVersion(spec({ kind: 'nvidia.com/gpu.shared' })), '0.6.0');
    assert.equal(minimumVersion(spec({ containerEdits: { additionalGids: [5] } })), '0.7.0');
    assert.equal(minimumVersion(spec({ containerEdits: { intelRdt: { closID: 'c' } } })), '0.7.0');
    assert.equal(minimumVersion(spec({ containerEdits: { intelRdt: { enableMonitoring: true } } })), '1.1.0');
    assert.equal(
      minimumVersion(spec({ containerEdits: { netDevices: [{ hostInterfaceName: 'a', name: 'b' }] } })),
      '1.1.0',
    );
  });

  test('name rules: vendor, class, device name, kind', () => {
    assert.equal(vendorProblem('management.nvidia.com'), undefined);
    assert.match(vendorProblem('nvidia.com.')!, /must end with a letter or digit/);
    assert.match(vendorProblem('')!, /must not be empty/);
    assert.match(vendorProblem(`a${'b'.repeat(253)}`)!, /longer than 253/);
    assert.equal(classProblem('gpu'), undefined);
    assert.match(classProblem('_gpu')!, /must start with a letter/);
    assert.match(classProblem(`g${'p'.repeat(63)}`)!, /longer than 63/);
    assert.equal(deviceNameProblem('0:1'), undefined);
    assert.equal(deviceNameProblem('GPU-8d4a5e21-4a5c-9f0a-4b1e-2e6f2c6a9f10'), undefined);
    assert.equal(deviceNameProblem('7'), undefined);
    assert.match(deviceNameProblem(':0')!, /must start with a letter or digit/);
    assert.deepEqual(parseKind('nvidia.com/gpu'), { vendor: 'nvidia.com', class: 'gpu' });
    assert.deepEqual(parseKind('nvidia.com/gpu/x'), {
      problem: "class \"gpu/x\" contains '/' (allowed: letters, digits and '-', '_', '.')",
    });
  });
});
