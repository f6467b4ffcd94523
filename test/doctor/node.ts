/**
 * A node for doctor tests: a real containerd (or dockerd) in a temp dir, a toolkit-like RUNTIME_DIR (each
 * runtime a wrapper script that execs its `.real`), a CDI spec dir with a valid spec whose device nodes exist,
 * and helpers to set the runtimes up through our own CLI and to run `doctor --output json`.
 */
import {
  chmodSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { join } from 'node:path';
import { type CliResult, runCliAsync } from '../helpers/cli';

export const RUNTIMES = [
  'nvidia-container-runtime',
  'nvidia-container-runtime.cdi',
  'nvidia-container-runtime.legacy',
];

export interface Kit {
  /** Work dir (removed by the caller). */
  dir: string;
  runtimeDir: string;
  cdiDir: string;
}

/** A spec every engine would accept: one GPU whose node is /dev/null on this machine. */
export const VALID_SPEC = {
  cdiVersion: '0.5.0',
  kind: 'nvidia.com/gpu',
  devices: [
    { name: '0', containerEdits: { deviceNodes: [{ path: '/dev/nvidia0', hostPath: '/dev/null' }] } },
  ],
};

export function makeKit(prefix = 'ctk-doc-'): Kit {
  const dir = mkdtempSync(`/tmp/${prefix}`);
  const runtimeDir = join(dir, 'toolkit');
  const cdiDir = join(dir, 'cdi');
  mkdirSync(runtimeDir);
  mkdirSync(cdiDir);
  for (const name of RUNTIMES) {
    const real = join(runtimeDir, `${name}.real`);
    writeFileSync(real, '#!/bin/sh\nexec /usr/bin/runc "$@"\n');
    chmodSync(real, 0o755);
    writeFileSync(join(runtimeDir, name), `#!/bin/sh\nexec '${real}' "$@"\n`);
    chmodSync(join(runtimeDir, name), 0o755);
  }
  writeFileSync(join(cdiDir, 'nvidia.json'), JSON.stringify(VALID_SPEC));
  return { dir, runtimeDir, cdiDir };
}

export interface DoctorReport {
  schema: string;
  ok: boolean;
  counts: { ok: number; warn: number; fail: number };
  engines: { engine: string; files: { path: string; runtimes: { name: string; binary: string }[] }[] }[];
  checks: {
    id: string;
    engine?: string;
    status: string;
    summary: string;
    evidence: string[];
    fix?: string;
  }[];
}

export async function doctor(args: string[]): Promise<CliResult & { report: DoctorReport }> {
  const r = await runCliAsync(['doctor', '--output', 'json', ...args]);
  let report: DoctorReport;
  try {
    report = JSON.parse(r.stdout) as DoctorReport;
  } catch {
    throw new Error(`doctor printed no JSON (exit ${r.status}): ${r.stderr}`);
  }
  return { ...r, report };
}

export const failing = (r: DoctorReport) => r.checks.filter((c) => c.status === 'fail').map((c) => c.id);
export const check = (r: DoctorReport, id: string) => {
  const c = r.checks.find((x) => x.id === id);
  if (!c) throw new Error(`no check ${id} in ${JSON.stringify(r.checks.map((x) => x.id))}`);
  return c;
};

/** Path → mtime (ns) and bytes of every file under the given dirs, to prove doctor wrote nothing. */
export function snapshot(dirs: readonly string[], skip: readonly string[] = []): Map<string, string> {
  const out = new Map<string, string>();
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (skip.some((s) => p.startsWith(s))) continue;
      const st = statSync(p, { bigint: true });
      if (st.isDirectory()) walk(p);
      else if (st.isFile()) out.set(p, `${st.mtimeNs}:${readFileSync(p).toString('base64')}`);
    }
  };
  for (const d of dirs) walk(d);
  return out;
}
