import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { rewritePath, transformRoot } from '../../src/cdi/spec-transform';
import type { CdiSpec } from '../../src/cdi/spec-types';

describe('root rewriting', () => {
  test('rewritePath works on whole path components only', () => {
    assert.equal(
      rewritePath('/driver-root/usr/lib/libcuda.so', '/driver-root', '/run/nvidia/driver'),
      '/run/nvidia/driver/usr/lib/libcuda.so',
    );
    assert.equal(rewritePath('/driver-root2/x', '/driver-root', '/run/nvidia/driver'), '/driver-root2/x');
    assert.equal(rewritePath('/driver-root', '/driver-root/', '/host'), '/host');
    assert.equal(rewritePath('/usr/lib/x', '/', '/run/nvidia/driver'), '/run/nvidia/driver/usr/lib/x');
    assert.equal(rewritePath('/driver-root/dev/nvidia0', '/driver-root', '/'), '/dev/nvidia0');
    assert.equal(rewritePath('/a/b', '/a', '/a'), '/a/b');
  });

  test('transformRoot moves host paths only and drops a hostPath that equals path', () => {
    const spec: CdiSpec = {
      cdiVersion: '0.5.0',
      kind: 'nvidia.com/gpu',
      devices: [
        {
          name: '0',
          containerEdits: {
            deviceNodes: [{ path: '/dev/nvidia0', hostPath: '/ctr/dev/nvidia0', major: 195 }],
          },
        },
      ],
      containerEdits: {
        mounts: [
          { hostPath: '/ctr/usr/lib/libcuda.so.1', containerPath: '/usr/lib/libcuda.so.1', options: ['ro'] },
        ],
        hooks: [
          { hookName: 'createContainer', path: '/ctr/bin/hook', args: ['hook', '--folder', '/ctr/keep'] },
        ],
      },
    };
    const before = JSON.stringify(spec);
    const out = transformRoot(spec, '/ctr', '/');
    assert.equal(JSON.stringify(spec), before, 'input not modified');
    assert.deepEqual(out.devices[0]!.containerEdits.deviceNodes, [{ path: '/dev/nvidia0', major: 195 }]);
    assert.equal(out.containerEdits!.mounts![0]!.hostPath, '/usr/lib/libcuda.so.1');
    assert.equal(out.containerEdits!.mounts![0]!.containerPath, '/usr/lib/libcuda.so.1');
    assert.equal(out.containerEdits!.hooks![0]!.path, '/bin/hook');
    assert.deepEqual(out.containerEdits!.hooks![0]!.args, ['hook', '--folder', '/ctr/keep']);
    const back = transformRoot(out, '/', '/host', 'deviceNodes');
    assert.deepEqual(Object.keys(back.devices[0]!.containerEdits.deviceNodes![0]!), [
      'path',
      'hostPath',
      'major',
    ]);
    assert.equal(back.devices[0]!.containerEdits.deviceNodes![0]!.hostPath, '/host/dev/nvidia0');
    assert.equal(
      back.containerEdits!.mounts![0]!.hostPath,
      '/usr/lib/libcuda.so.1',
      'scope deviceNodes leaves mounts',
    );
  });
});
