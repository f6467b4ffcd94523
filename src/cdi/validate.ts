/**
 * A CDI spec validator written from the specification's rules (SPEC.md v1.1.0 and the reference loader's
 * checks): required fields, types, name and kind syntax, absolute paths, hook names, device-node types and
 * cgroup permissions, interface names, unknown fields (the reference loader parses strictly), and the
 * minimum-version rules. It returns every problem, each naming the field, e.g.
 * `devices[0].containerEdits.deviceNodes[1].path: must be an absolute path`.
 *
 * Pure: takes a parsed document (JSON or YAML already decoded), never throws for bad input.
 */
import { HOOK_NAMES } from './spec-types';
import { compareVersions, normalizeVersion, versionRequirements } from './spec-version';
import { Checker, describe, join, type Loose, UINT32_MAX } from './validate-checker';
import { deviceNameProblem, interfaceNameProblem, parseKind } from './validate-names';

export interface Problem {
  /** Field path such as `devices[2].containerEdits.mounts[0].hostPath`; empty for the whole document. */
  readonly path: string;
  readonly message: string;
}

export function formatProblem(p: Problem): string {
  return p.path === '' ? p.message : `${p.path}: ${p.message}`;
}

const FIELDS = {
  spec: ['cdiVersion', 'kind', 'annotations', 'devices', 'containerEdits'],
  device: ['name', 'annotations', 'containerEdits'],
  edits: ['env', 'deviceNodes', 'mounts', 'hooks', 'intelRdt', 'additionalGids', 'netDevices'],
  node: ['path', 'hostPath', 'type', 'major', 'minor', 'fileMode', 'permissions', 'uid', 'gid'],
  mount: ['hostPath', 'containerPath', 'type', 'options'],
  hook: ['hookName', 'path', 'args', 'env', 'timeout'],
  netDevice: ['hostInterfaceName', 'name'],
  intelRdt: ['closID', 'l3CacheSchema', 'memBwSchema', 'schemata', 'enableMonitoring'],
} as const;

function checkDeviceNode(c: Checker, v: unknown, path: string): void {
  const n = c.object(path, v, FIELDS.node);
  if (!n) return;
  c.absolute(n, 'path', path, true);
  c.absolute(n, 'hostPath', path, false);
  const type = c.string(n, 'type', path, false);
  if (type !== undefined && type !== '' && !['b', 'c', 'u', 'p'].includes(type)) {
    c.add(join(path, 'type'), `must be one of b, c, u, p (got ${JSON.stringify(type)})`);
  }
  c.integer(n, 'major', path, 0, Number.MAX_SAFE_INTEGER);
  c.integer(n, 'minor', path, 0, Number.MAX_SAFE_INTEGER);
  c.integer(n, 'fileMode', path, 0, UINT32_MAX);
  c.integer(n, 'uid', path, 0, UINT32_MAX);
  c.integer(n, 'gid', path, 0, UINT32_MAX);
  const perms = c.string(n, 'permissions', path, false);
  if (perms !== undefined && !/^[rwm]*$/.test(perms)) {
    c.add(join(path, 'permissions'), `may only contain r, w and m (got ${JSON.stringify(perms)})`);
  }
}

function checkMount(c: Checker, v: unknown, path: string): void {
  const m = c.object(path, v, FIELDS.mount);
  if (!m) return;
  const options = c.strings(m, 'options', path) ?? [];
  const type = c.string(m, 'type', path, false);
  // Only bind mounts take a host path; other types name a source such as `tmpfs`.
  const bind = type === 'bind' || options.includes('bind') || options.includes('rbind');
  if (bind) c.absolute(m, 'hostPath', path, true);
  else c.string(m, 'hostPath', path, true);
  c.absolute(m, 'containerPath', path, true);
}

function checkHook(c: Checker, v: unknown, path: string): void {
  const h = c.object(path, v, FIELDS.hook);
  if (!h) return;
  const name = c.string(h, 'hookName', path, true);
  if (name !== undefined && name !== '' && !(HOOK_NAMES as readonly string[]).includes(name)) {
    c.add(join(path, 'hookName'), `must be one of ${HOOK_NAMES.join(', ')} (got ${JSON.stringify(name)})`);
  }
  c.absolute(h, 'path', path, true);
  c.strings(h, 'args', path);
  c.env(h, 'env', path);
  c.integer(h, 'timeout', path, 1, UINT32_MAX);
}
function checkEdits(c: Checker, v: unknown, path: string): Loose | undefined {
  const e = c.object(path, v, FIELDS.edits);
  if (!e) return undefined;
  c.env(e, 'env', path);
  const each = (key: string, check: (c: Checker, v: unknown, path: string) => void) => {
    c.list(e, key, path)?.forEach((item, i) => {
      check(c, item, join(join(path, key), i));
    });
  };
  each('deviceNodes', checkDeviceNode);
  each('mounts', checkMount);
  each('hooks', checkHook);
  c.list(e, 'additionalGids', path)?.forEach((g, i) => {
    if (typeof g !== 'number' || !Number.isInteger(g) || g < 0 || g > UINT32_MAX) {
      c.add(
        join(join(path, 'additionalGids'), i),
        `must be an integer between 0 and ${UINT32_MAX} (got ${describe(g)})`,
      );
    }
  });
  if (c.present(e, 'intelRdt')) {
    const rp = join(path, 'intelRdt');
    const rdt = c.object(rp, e.intelRdt, FIELDS.intelRdt);
    if (rdt) {
      const clos = c.string(rdt, 'closID', rp, false);
      if (clos !== undefined && (clos === '.' || clos === '..' || /[/\n]/.test(clos))) {
        c.add(join(rp, 'closID'), `must be a plain directory name (got ${JSON.stringify(clos)})`);
      }
      c.string(rdt, 'l3CacheSchema', rp, false);
      c.string(rdt, 'memBwSchema', rp, false);
      c.strings(rdt, 'schemata', rp);
      if (c.present(rdt, 'enableMonitoring') && typeof rdt.enableMonitoring !== 'boolean') {
        c.add(join(rp, 'enableMonitoring'), `must be true or false (got ${describe(rdt.enableMonitoring)})`);
      }
    }
  }
  const seen = { name: new Set<string>(), hostInterfaceName: new Set<string>() };
  c.list(e, 'netDevices', path)?.forEach((d, i) => {
    const p = join(join(path, 'netDevices'), i);
    const nd = c.object(p, d, FIELDS.netDevice);
    if (!nd) return;
    for (const key of ['hostInterfaceName', 'name'] as const) {
      const s = c.string(nd, key, p, true);
      if (s === undefined || s === '') continue;
      const problem = interfaceNameProblem(s);
      if (problem) c.add(join(p, key), problem);
      if (seen[key].has(s)) c.add(join(p, key), `duplicate interface name "${s}"`);
      seen[key].add(s);
    }
  });
  return e;
}

function editsEmpty(e: Loose): boolean {
  return FIELDS.edits.every((k) => {
    const v = e[k];
    return v === undefined || v === null || (Array.isArray(v) && v.length === 0);
  });
}

function checkVersion(c: Checker, spec: Loose): void {
  const declared = c.string(spec, 'cdiVersion', '', true);
  if (declared === undefined || declared === '') return;
  const version = normalizeVersion(declared);
  if (version === undefined) {
    c.add('cdiVersion', `unknown CDI version ${JSON.stringify(declared)} (known: 0.1.0 … 1.1.0)`);
    return;
  }
  for (const r of versionRequirements(spec)) {
    if (compareVersions(r.version, version) > 0) {
      c.add('cdiVersion', `must be at least ${r.version} because ${r.reason} (declared ${declared})`);
    }
  }
}

export function validateSpec(doc: unknown): Problem[] {
  const c = new Checker();
  const spec = c.object('', doc, FIELDS.spec);
  if (!spec) return c.problems;
  checkVersion(c, spec);
  const kind = c.string(spec, 'kind', '', true);
  if (kind !== undefined && kind !== '') {
    const parsed = parseKind(kind);
    if ('problem' in parsed) c.add('kind', parsed.problem);
  }
  c.annotations(spec, 'annotations', '');
  if (c.present(spec, 'containerEdits')) checkEdits(c, spec.containerEdits, 'containerEdits');
  if (!c.present(spec, 'devices')) {
    c.add('devices', 'is required (a list with at least one device)');
    return c.problems;
  }
  const devices = c.list(spec, 'devices', '');
  if (devices?.length === 0) c.add('devices', 'must list at least one device');
  const names = new Map<string, number>();
  devices?.forEach((d, i) => {
    const path = join('devices', i);
    const dev = c.object(path, d, FIELDS.device);
    if (!dev) return;
    const name = c.string(dev, 'name', path, true);
    if (name !== undefined && name !== '') {
      const problem = deviceNameProblem(name);
      if (problem) c.add(join(path, 'name'), problem);
      const first = names.get(name);
      if (first !== undefined)
        c.add(join(path, 'name'), `duplicate device name "${name}" (also devices[${first}])`);
      else names.set(name, i);
    }
    c.annotations(dev, 'annotations', path);
    if (!c.present(dev, 'containerEdits')) {
      c.add(join(path, 'containerEdits'), 'is required (a device must change the container)');
      return;
    }
    const edits = checkEdits(c, dev.containerEdits, join(path, 'containerEdits'));
    if (edits && editsEmpty(edits)) c.add(join(path, 'containerEdits'), 'must not be empty');
  });
  return c.problems;
}
