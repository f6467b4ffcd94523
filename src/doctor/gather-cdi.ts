/**
 * The CDI specs an engine would load (reads only): every `*.json`/`*.yaml`/`*.yml` file of the spec dirs,
 * validated with the CDI rules (src/cdi/validate.ts), with the device nodes each device needs checked on the
 * host.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { formatProblem, validateSpec } from '../cdi/validate';
import { oneLine } from '../errors';
import { hostPath } from './paths';
import type { CdiSpecFact } from './types';

/** The CDI default spec dirs, used when neither the engine nor its config names any. */
export const DEFAULT_CDI_DIRS = ['/etc/cdi', '/var/run/cdi'] as const;

type Loose = Record<string, unknown>;
const isRecord = (v: unknown): v is Loose => typeof v === 'object' && v !== null && !Array.isArray(v);

function nodePaths(edits: unknown): string[] {
  if (!isRecord(edits) || !Array.isArray(edits.deviceNodes)) return [];
  return edits.deviceNodes.flatMap((n) => {
    if (!isRecord(n)) return [];
    const p = typeof n.hostPath === 'string' && n.hostPath !== '' ? n.hostPath : n.path;
    return typeof p === 'string' ? [p] : [];
  });
}

function specFact(root: string, path: string): CdiSpecFact {
  const base = { path, problems: [], devices: [], missingCommonNodes: [] };
  let doc: unknown;
  try {
    doc = parseYaml(readFileSync(path, 'utf8'));
  } catch (err) {
    return { ...base, error: oneLine(err) };
  }
  const problems = validateSpec(doc).map(formatProblem);
  const missing = (edits: unknown) => nodePaths(edits).filter((p) => !existsSync(hostPath(root, p)));
  const spec = isRecord(doc) ? doc : {};
  const devices = (Array.isArray(spec.devices) ? spec.devices : []).filter(isRecord).map((d) => ({
    name: typeof d.name === 'string' ? d.name : '',
    missingNodes: missing(d.containerEdits),
  }));
  return {
    ...base,
    problems,
    ...(typeof spec.kind === 'string' ? { kind: spec.kind } : {}),
    devices,
    missingCommonNodes: missing(spec.containerEdits),
  };
}

export function gatherCdiSpecs(root: string, dirs: readonly string[]): CdiSpecFact[] {
  const out: CdiSpecFact[] = [];
  for (const dir of dirs) {
    const local = hostPath(root, dir);
    let names: string[];
    try {
      names = readdirSync(local).sort();
    } catch {
      continue;
    }
    for (const n of names) {
      if (!/\.(json|ya?ml)$/.test(n)) continue;
      const p = join(local, n);
      try {
        if (!statSync(p).isFile()) continue;
      } catch {
        continue;
      }
      out.push(specFact(root, p));
    }
  }
  return out;
}
