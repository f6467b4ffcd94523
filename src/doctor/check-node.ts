/** Node-wide checks: runtime binaries, toolkit wrappers and config, CDI specs and devices (pure). */
import { effectiveRuntimes } from './effective';
import { hostPath } from './paths';
import type { Check, NodeFacts } from './types';

/** Runtime names per binary (host path), across engines. */
function usersOf(facts: NodeFacts): Map<string, string[]> {
  const users = new Map<string, string[]>();
  for (const e of facts.engines)
    for (const r of effectiveRuntimes(e).runtimes)
      users.set(r.binary, [...(users.get(r.binary) ?? []), r.name]);
  return users;
}

export function binariesCheck(facts: NodeFacts): Check {
  const base = { id: 'runtime-binaries' };
  const users = usersOf(facts);
  const bad = facts.binaries.filter((b) => !b.executable);
  const evidence = facts.binaries.map(
    (b) =>
      `${b.declared} (${(users.get(b.declared) ?? []).join(', ') || 'not in effect'}): ${
        !b.exists ? 'missing' : b.executable ? 'executable' : 'not executable'
      }`,
  );
  if (bad.length === 0)
    return {
      ...base,
      status: 'ok',
      summary: facts.binaries.length
        ? `${facts.binaries.length} runtime binaries present`
        : 'no NVIDIA runtime binary named',
      evidence,
    };
  const b = bad[0]!;
  return {
    ...base,
    status: 'fail',
    summary: `${(users.get(b.declared) ?? ['a runtime']).join(', ')}: ${b.declared} ${b.exists ? 'is not executable' : 'does not exist'}`,
    evidence,
    fix: 'install the toolkit there (ctk-installer toolkit install), or point the runtimes at where it is installed',
  };
}

export function wrappersCheck(facts: NodeFacts): Check {
  const base = { id: 'toolkit-wrappers' };
  const wrappers = facts.binaries.filter((b) => b.real !== undefined);
  const bad = wrappers.filter((b) => !b.real!.exists);
  const evidence = wrappers.map(
    (b) => `${b.declared} runs ${b.real!.path}: ${b.real!.exists ? 'present' : 'missing'}`,
  );
  if (bad.length === 0)
    return {
      ...base,
      status: 'ok',
      summary: wrappers.length
        ? `${wrappers.length} wrapper(s), each .real present`
        : 'no toolkit wrapper scripts',
      evidence,
    };
  return {
    ...base,
    status: 'fail',
    summary: `${bad[0]!.declared} is a toolkit wrapper whose ${bad[0]!.real!.path} is missing`,
    evidence,
    fix: 'reinstall the toolkit (ctk-installer toolkit install) so each wrapper has its .real binary',
  };
}

export function toolkitConfigCheck(facts: NodeFacts): Check {
  const base = { id: 'toolkit-config' };
  const cfgs = facts.toolkitConfigs;
  const evidence = cfgs.flatMap((c) =>
    c.error
      ? [`${c.path}: ${c.error}`]
      : c.paths.map((p) => `${c.path}: ${p.key} = ${p.path} (${p.exists ? 'present' : 'missing'})`),
  );
  const broken = cfgs.find((c) => c.error !== undefined);
  if (broken)
    return {
      ...base,
      status: 'fail',
      summary: `${broken.path}: ${broken.error}`,
      evidence,
      fix: 'fix or reinstall the toolkit config',
    };
  const missing = cfgs.flatMap((c) => c.paths.filter((p) => !p.exists).map((p) => ({ c, p })));
  if (missing.length)
    return {
      ...base,
      status: 'fail',
      summary: `${missing[0]!.c.path}: ${missing[0]!.p.key} names ${missing[0]!.p.path}, which does not exist`,
      evidence,
      fix: 'reinstall the toolkit, or correct the path in its config.toml',
    };
  return {
    ...base,
    status: 'ok',
    summary: cfgs.length
      ? cfgs.map((c) => c.path).join(', ')
      : 'no toolkit config.toml beside the runtimes (built-in defaults)',
    evidence,
  };
}

export function cdiSpecsCheck(facts: NodeFacts): Check {
  const base = { id: 'cdi-specs' };
  const specs = facts.cdiSpecs;
  const bad = specs.filter((s) => s.error !== undefined || s.problems.length > 0);
  const evidence = specs.map(
    (s) =>
      `${s.path}: ${s.error ?? (s.problems.length ? s.problems.join('; ') : `${s.kind}, ${s.devices.length} device(s)`)}`,
  );
  if (bad.length)
    return {
      ...base,
      status: 'fail',
      summary: `${bad[0]!.path} is not a valid CDI spec: ${bad[0]!.error ?? bad[0]!.problems[0]}`,
      evidence,
      fix: 'regenerate it (ctk-installer cdi generate) or remove it: an engine refuses every device of an invalid spec',
    };
  const usesCdi = facts.engines.some((e) =>
    effectiveRuntimes(e).runtimes.some((r) => r.name === 'nvidia-cdi'),
  );
  if (specs.length === 0)
    return {
      ...base,
      status: usesCdi ? 'warn' : 'ok',
      summary: `no CDI spec in ${facts.cdiDirs.join(', ')}`,
      evidence,
      ...(usesCdi
        ? { fix: 'generate one (ctk-installer cdi generate) before running containers through nvidia-cdi' }
        : {}),
    };
  return { ...base, status: 'ok', summary: `${specs.length} valid CDI spec(s)`, evidence };
}

export function cdiDevicesCheck(facts: NodeFacts): Check {
  const base = { id: 'cdi-devices' };
  const missing = facts.cdiSpecs.flatMap((s) => [
    ...s.missingCommonNodes.map(
      (n) => `${s.path}: ${s.kind ?? '?'} (every device) needs ${n}, which does not exist`,
    ),
    ...s.devices.flatMap((d) =>
      d.missingNodes.map((n) => `${s.path}: ${s.kind ?? '?'}=${d.name} needs ${n}, which does not exist`),
    ),
  ]);
  if (missing.length === 0)
    return { ...base, status: 'ok', summary: 'every device node the CDI specs name exists', evidence: [] };
  return {
    ...base,
    status: 'fail',
    summary: missing[0]!,
    evidence: missing,
    fix: `regenerate the spec for this node's devices (ctk-installer cdi generate${facts.hostRoot && facts.hostRoot !== '/' ? ` --driver-root ${hostPath(facts.hostRoot, '/')}` : ''})`,
  };
}

export function cdiKindsCheck(facts: NodeFacts): Check {
  const base = { id: 'cdi-kinds' };
  const byKind = new Map<string, string[]>();
  const byDevice = new Map<string, string[]>();
  for (const s of facts.cdiSpecs) {
    if (!s.kind) continue;
    byKind.set(s.kind, [...(byKind.get(s.kind) ?? []), s.path]);
    for (const d of s.devices)
      byDevice.set(`${s.kind}=${d.name}`, [...(byDevice.get(`${s.kind}=${d.name}`) ?? []), s.path]);
  }
  const clashes = [...byDevice].filter(([, files]) => files.length > 1);
  const shared = [...byKind].filter(([, files]) => files.length > 1);
  if (clashes.length)
    return {
      ...base,
      status: 'fail',
      summary: `${clashes[0]![0]} is defined by ${clashes[0]![1].join(' and ')}`,
      evidence: clashes.map(([d, f]) => `${d}: ${f.join(', ')}`),
      fix: 'remove the stale spec: a device defined twice cannot be resolved',
    };
  if (shared.length)
    return {
      ...base,
      status: 'warn',
      summary: `kind ${shared[0]![0]} comes from ${shared[0]![1].length} specs`,
      evidence: shared.map(([k, f]) => `${k}: ${f.join(', ')}`),
    };
  return { ...base, status: 'ok', summary: 'no CDI device is defined twice', evidence: [] };
}
