/**
 * The engine's own default configuration, for a node that has no containerd config file yet: starting from it
 * keeps what containerd would have had (its `runc` runtime above all), where a file holding only the NVIDIA
 * runtimes would replace containerd 1.x's CRI defaults and leave no `runc` at all (issue 10 item 14). Run on
 * the host's binary (through `chroot HOST_ROOT` when a host root is given), never one from our own image.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { join } from 'node:path';
import { outputSummary, runProcessSync } from './proc';

/** Where a host's package manager or installer puts containerd. */
const BIN_DIRS = ['/usr/local/sbin', '/usr/local/bin', '/usr/sbin', '/usr/bin', '/sbin', '/bin'];

export type DefaultConfig = { readonly text: string } | { readonly unavailable: string };

function executable(path: string): boolean {
  try {
    accessSync(path, constants.X_OK);
    return true;
  } catch {
    return false;
  }
}

function isDirectory(path: string): boolean {
  try {
    return statSync(path).isDirectory();
  } catch {
    return false;
  }
}

/**
 * The containerd binary as the host sees it, and the argv that runs `config default` with it. A host root
 * that is not there (`--host-root` defaults to /host, which a run on the node itself does not have) means we
 * already are on the host.
 */
function commandFor(hostRoot: string, chroot: string): { argv: string[] } | { unavailable: string } {
  const inRoot = hostRoot !== '' && hostRoot !== '/' && isDirectory(hostRoot);
  if (!inRoot) return { argv: ['containerd', 'config', 'default'] };
  const bin = BIN_DIRS.map((d) => join(d, 'containerd')).find((p) => executable(join(hostRoot, p)));
  if (!bin) return { unavailable: `no containerd binary under ${hostRoot} (${BIN_DIRS.join(', ')})` };
  return { argv: [chroot, hostRoot, bin, 'config', 'default'] };
}

export function containerdDefaultConfig(hostRoot: string, chroot = 'chroot'): DefaultConfig {
  const cmd = commandFor(hostRoot, chroot);
  if ('unavailable' in cmd) return cmd;
  const [prog, ...args] = cmd.argv as [string, ...string[]];
  let r: ReturnType<typeof runProcessSync>;
  try {
    r = runProcessSync(prog, args, { timeoutMs: 15_000 });
  } catch (err) {
    return { unavailable: (err as Error).message };
  }
  if (r.code !== 0 || r.stdout.trim() === '') {
    const why = r.timedOut ? 'timed out' : `exit status ${r.code ?? r.signal}: ${outputSummary(r)}`;
    return { unavailable: `${cmd.argv.join(' ')} failed (${why})` };
  }
  return { text: r.stdout };
}
