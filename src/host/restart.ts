/**
 * Making a container engine pick up an edited config (upstream-behaviour §3), with the original's modes:
 *   none    warn and do nothing;
 *   signal  SIGHUP the process listening on the engine's socket, retried (default 6 × 5 s, as the original);
 *   systemd `[chroot HOST_ROOT] systemctl restart UNIT`, spawned from an argument array.
 * What SIGHUP means differs per engine: dockerd reloads daemon.json (runtimes and default-runtime are
 * live-reloadable), but containerd 1.x has NO reload handler: SIGHUP makes it EXIT (status 129, stale socket
 * files left behind), so "signal" for containerd only works where a service manager starts it again
 * (the packaged unit restarts it after 5 s). Callers must therefore verify the engine afterwards
 * (engine-status.ts `waitForEngine`), which also tolerates the socket being briefly absent.
 */
import type { EngineName } from '../engines/types';
import { CtkError, HostError, oneLine, UsageError } from '../errors';
import type { Logger } from '../log';
import { outputSummary, runProcess } from './proc';
import { findSocketOwner } from './socket-owner';

export type RestartMode = 'none' | 'signal' | 'systemd';

export interface RestartRequest {
  engine: EngineName;
  mode: RestartMode;
  /** The engine's unix socket (signal mode), as seen by this process. */
  socket: string;
  /** systemd mode runs systemctl chrooted into this directory; '' or '/' means no chroot. */
  hostRoot: string;
  /** systemd unit; default = the engine name (k3s/rke2 use their own units). */
  unit?: string;
  /** Signal attempts (default 6) and the pause between them (default 5000 ms), as in the original. */
  attempts?: number;
  intervalMs?: number;
  logger: Logger;
  /** The systemctl program (default 'systemctl', resolved inside the host root). */
  systemctl?: string;
  /** The chroot program (default 'chroot'). */
  chroot?: string;
  /** Limit for one `systemctl restart` (default 180 s: a unit's stop timeout is 90 s by default). */
  commandTimeoutMs?: number;
  /** procfs used to find the socket's owner (default /proc). */
  procRoot?: string;
}

export interface RestartResult {
  mode: RestartMode;
  /** The process that was signalled. */
  pid?: number;
  /** The unit that was restarted. */
  unit?: string;
  skipped?: boolean;
}

const MODES: readonly string[] = ['none', 'signal', 'systemd'];
/** kata-deploy hit this: systemctl in a chroot exits 0 and does nothing (field-notes A-29). */
const CHROOT_NOOP = 'Running in chroot, ignoring request';

const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

export async function restartEngine(req: RestartRequest): Promise<RestartResult> {
  const { engine, mode, logger } = req;
  if (!MODES.includes(mode)) throw new UsageError(`invalid restart mode specified: ${String(mode)}`);
  switch (mode) {
    case 'none':
      logger.warn(`Skipping restart of ${engine} due to --restart-mode=none`);
      return { mode, skipped: true };
    case 'signal':
      return signalEngine(req);
    case 'systemd':
      return restartUnit(req);
  }
}

async function signalEngine(req: RestartRequest): Promise<RestartResult> {
  const { engine, socket, logger } = req;
  if (engine === 'crio') {
    throw new UsageError('supporting crio via signal is unsupported; use --restart-mode=systemd or none');
  }
  const attempts = Math.max(1, Math.floor(req.attempts ?? 6));
  const intervalMs = Math.max(0, req.intervalMs ?? 5000);
  let last: unknown;
  for (let i = 1; i <= attempts; i++) {
    try {
      const pid = await findSocketOwner(socket, { procRoot: req.procRoot });
      logger.info(`Sending SIGHUP to ${engine}`, { pid, socket });
      process.kill(pid, 'SIGHUP');
      if (engine === 'containerd') {
        // Not a reload: containerd exits and its service manager is expected to start it again.
        logger.warn('containerd exits on SIGHUP; relying on its service manager to start it again', { pid });
      }
      return { mode: 'signal', pid };
    } catch (err) {
      // A usage problem will not fix itself by waiting.
      if (err instanceof UsageError) throw err;
      last = err;
      logger.warn(`Error signaling ${engine}, attempt ${i}/${attempts}: ${oneLine(err)}`);
      if (i < attempts) await sleep(intervalMs);
    }
  }
  throw new HostError(
    `unable to signal ${engine} on ${socket}: ${oneLine(last)}; Max retries reached ${attempts}/${attempts}, aborting`,
    { cause: last },
  );
}

async function restartUnit(req: RestartRequest): Promise<RestartResult> {
  const { engine, logger } = req;
  const unit = req.unit === undefined || req.unit === '' ? engine : req.unit;
  // argv is never a shell, but systemctl itself would read "-…" as an option.
  if (unit.startsWith('-')) throw new UsageError(`invalid systemd unit name: ${unit}`);
  const systemctl = req.systemctl ?? 'systemctl';
  const chroot = req.hostRoot !== '' && req.hostRoot !== '/';
  const [cmd, args] = chroot
    ? [req.chroot ?? 'chroot', [req.hostRoot, systemctl, 'restart', unit]]
    : [systemctl, ['restart', unit]];
  const timeoutMs = req.commandTimeoutMs ?? 180_000;
  logger.info(`Restarting ${engine} with systemd`, { unit, hostRoot: chroot ? req.hostRoot : undefined });
  let r: Awaited<ReturnType<typeof runProcess>>;
  try {
    r = await runProcess(cmd, args, { timeoutMs });
  } catch (err) {
    if (err instanceof CtkError) throw err;
    throw new HostError(`cannot restart ${unit}: ${oneLine(err)}`, { cause: err });
  }
  for (const line of `${r.stdout}\n${r.stderr}`.split('\n')) {
    if (line.trim() !== '') logger.debug(line.trim(), { unit, command: cmd });
  }
  const where = chroot ? ` (in chroot ${req.hostRoot})` : '';
  if (r.timedOut) {
    throw new HostError(
      `systemctl restart ${unit}${where} did not finish within ${Math.round(timeoutMs / 1000)} s`,
    );
  }
  if (r.code !== 0) {
    const status = r.code === null ? `signal ${r.signal}` : `exit status ${r.code}`;
    throw new HostError(
      `systemctl restart ${unit}${where} failed (${status}): ${outputSummary(r) || 'no output'}`,
    );
  }
  if (`${r.stdout}${r.stderr}`.includes(CHROOT_NOOP)) {
    throw new HostError(
      `systemctl restart ${unit}${where} did nothing: systemctl printed "${CHROOT_NOOP}" ` +
        '(it cannot reach the host systemd from this root; mount the host root and its /run/systemd)',
    );
  }
  return { mode: 'systemd', unit };
}
