/**
 * The minimum cdiVersion a spec's content needs, per the CDI rules (specs-go version history): a loader
 * rejects a file whose declared version is lower than that, and older loaders reject newer versions, so a
 * generated spec declares exactly the minimum.
 *
 * Works on parsed, unchecked documents too (the validator calls it before types are known), so every
 * access is defensive.
 */
import { BASE_CDI_VERSION, CDI_VERSIONS, type CdiVersion } from './spec-types';

type Loose = Record<string, unknown>;

function obj(v: unknown): Loose | undefined {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Loose) : undefined;
}
function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}
function nonEmptyMap(v: unknown): boolean {
  const o = obj(v);
  return o !== undefined && Object.keys(o).length > 0;
}

/** Strips an optional `v` prefix; returns undefined for a version no CDI loader knows. */
export function normalizeVersion(v: string): CdiVersion | undefined {
  const bare = v.startsWith('v') ? v.slice(1) : v;
  return (CDI_VERSIONS as readonly string[]).includes(bare) ? (bare as CdiVersion) : undefined;
}

export function compareVersions(a: CdiVersion, b: CdiVersion): number {
  return CDI_VERSIONS.indexOf(a) - CDI_VERSIONS.indexOf(b);
}

function allEdits(spec: Loose): Loose[] {
  const edits = [obj(spec.containerEdits)];
  for (const d of arr(spec.devices)) edits.push(obj(obj(d)?.containerEdits));
  return edits.filter((e): e is Loose => e !== undefined);
}

/** Each rule: the version and the reason, so the validator can say why a version is too low. */
export function versionRequirements(doc: unknown): { version: CdiVersion; reason: string }[] {
  const spec = obj(doc) ?? {};
  const edits = allEdits(spec);
  const devices = arr(spec.devices).map(obj);
  const out: { version: CdiVersion; reason: string }[] = [];
  const need = (version: CdiVersion, reason: string, when: boolean) => {
    if (when) out.push({ version, reason });
  };
  need(
    '0.4.0',
    'a mount sets `type`',
    edits.some((e) => arr(e.mounts).some((m) => typeof obj(m)?.type === 'string' && obj(m)?.type !== '')),
  );
  need(
    '0.5.0',
    'a device node sets `hostPath`',
    edits.some((e) =>
      arr(e.deviceNodes).some((n) => typeof obj(n)?.hostPath === 'string' && obj(n)?.hostPath !== ''),
    ),
  );
  need(
    '0.5.0',
    'a device name starts with a digit',
    devices.some((d) => typeof d?.name === 'string' && /^[0-9]/.test(d.name)),
  );
  need('0.6.0', 'the spec has annotations', nonEmptyMap(spec.annotations));
  need(
    '0.6.0',
    'a device has annotations',
    devices.some((d) => nonEmptyMap(d?.annotations)),
  );
  const kind = typeof spec.kind === 'string' ? spec.kind : '';
  need(
    '0.6.0',
    "the kind's class contains a dot",
    kind.includes('/') && kind.slice(kind.indexOf('/') + 1).includes('.'),
  );
  need(
    '0.7.0',
    'containerEdits use `intelRdt`',
    edits.some((e) => obj(e.intelRdt) !== undefined),
  );
  need(
    '0.7.0',
    'containerEdits use `additionalGids`',
    edits.some((e) => arr(e.additionalGids).length > 0),
  );
  need(
    '1.1.0',
    'containerEdits use `netDevices`',
    edits.some((e) => arr(e.netDevices).length > 0),
  );
  need(
    '1.1.0',
    '`intelRdt` uses `schemata` or `enableMonitoring`',
    edits.some(
      (e) => arr(obj(e.intelRdt)?.schemata).length > 0 || obj(e.intelRdt)?.enableMonitoring === true,
    ),
  );
  return out;
}

export function minimumVersion(doc: unknown): CdiVersion {
  let min: CdiVersion = BASE_CDI_VERSION;
  for (const r of versionRequirements(doc)) if (compareVersions(r.version, min) > 0) min = r.version;
  return min;
}
