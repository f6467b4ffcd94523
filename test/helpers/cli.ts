/** Runs the built CLI (dist/ctk-installer.cjs, made by `npm test`'s build step) as a child process. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, statSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const CLI = join(__dirname, '..', '..', 'dist', 'ctk-installer.cjs');

export interface CliResult {
  status: number | null;
  stdout: string;
  stderr: string;
}

/** Env for the child: the test process's own env minus every variable the CLI reads, plus `env`. */
export function cleanEnv(env: Record<string, string> = {}): NodeJS.ProcessEnv {
  const out: NodeJS.ProcessEnv = {};
  for (const [k, v] of Object.entries(process.env)) {
    if (
      /^(RUNTIME|NVIDIA|DOCKER|CONTAINERD|CRIO|HOST_ROOT|TOOLKIT|CDI|ROOT|NO_|PID_FILE|DRIVER|DEV_ROOT|CREATE_DEVICE|ACCEPT_|ENABLE_CDI)/.test(
        k,
      )
    )
      continue;
    out[k] = v;
  }
  return { ...out, ...env };
}

export function runCli(
  args: readonly string[],
  opts: { env?: Record<string, string>; as?: string; timeoutMs?: number } = {},
): CliResult {
  if (!existsSync(CLI)) throw new Error(`${CLI} is missing: run \`npm run build\` first (npm test does)`);
  let script = CLI;
  let linkDir: string | undefined;
  if (opts.as) {
    linkDir = mkdtempSync(join(tmpdir(), 'ctk-as-'));
    script = join(linkDir, opts.as);
    symlinkSync(CLI, script);
  }
  try {
    const r = spawnSync(process.execPath, [script, ...args], {
      env: cleanEnv(opts.env),
      encoding: 'utf8',
      timeout: opts.timeoutMs ?? 60_000,
    });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    if (linkDir) rmSync(linkDir, { recursive: true, force: true });
  }
}

export function mtimeNs(path: string): bigint {
  return statSync(path, { bigint: true }).mtimeNs;
}

/** Like runCli, without blocking the event loop (needed while a supervised test daemon must restart meanwhile). */
export function runCliAsync(
  args: readonly string[],
  opts: { env?: Record<string, string>; timeoutMs?: number } = {},
): Promise<CliResult> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [CLI, ...args], {
      env: cleanEnv(opts.env),
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => {
      stdout += d;
    });
    child.stderr.on('data', (d) => {
      stderr += d;
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), opts.timeoutMs ?? 60_000);
    child.on('error', reject);
    child.on('close', (status) => {
      clearTimeout(timer);
      resolve({ status, stdout, stderr });
    });
  });
}
