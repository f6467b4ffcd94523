/**
 * Where the restore ledger lives: `<dir of the main config>/.ctk-installer/<config name>.ledger.json`.
 * That directory is on the host (the DaemonSet mounts the engine's config directory), so the ledger survives
 * a pod restart; and no engine reads it: containerd and docker read named files, cri-o reads `*.conf`/`*.toml`
 * files of crio.conf.d (not this directory), and OCI hook directories are scanned for `*.json` files only.
 * The lock next to it serialises concurrent setups of the same file.
 */
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeValue, encodeValue } from '../engines/changes';
import { emptyLedger, type Ledger } from '../engines/plan';
import { ConfigError, HostError } from '../errors';
import { atomicWrite, describe, readFileState, removeFile } from './files';
import { type FileLock, lockFile } from './lock';

export const STATE_DIR_NAME = '.ctk-installer';

export function ledgerPaths(mainConfig: string): { dir: string; ledger: string; lock: string } {
  const dir = join(dirname(mainConfig), STATE_DIR_NAME);
  const name = basename(mainConfig);
  return { dir, ledger: join(dir, `${name}.ledger.json`), lock: join(dir, `${name}.lock`) };
}

export function readLedger(path: string): Ledger {
  const st = readFileState(path);
  if (!st.exists) return emptyLedger();
  let raw: unknown;
  try {
    raw = JSON.parse(st.bytes.toString('utf8'));
  } catch (err) {
    throw new ConfigError(
      path,
      `corrupt restore ledger (${(err as Error).message}); move it away to continue without it`,
    );
  }
  const ledger = decodeValue(raw) as Ledger;
  if (ledger?.version !== 1 || typeof ledger.files !== 'object') {
    throw new ConfigError(path, 'unknown restore ledger format; move it away to continue without it');
  }
  return ledger;
}

export function writeLedger(path: string, ledger: Ledger): void {
  if (Object.keys(ledger.files).length === 0) {
    removeFile(path);
    return;
  }
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  atomicWrite(path, `${JSON.stringify(encodeValue(ledger), null, 2)}\n`, { mode: 0o600 });
}

export function lockLedger(mainConfig: string, waitSeconds = 120): FileLock {
  const { dir, lock } = ledgerPaths(mainConfig);
  try {
    fs.mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new HostError(`${mainConfig}: cannot create the state directory ${dir}: ${describe(err)}`, {
      file: mainConfig,
    });
  }
  return lockFile(lock, {
    waitSeconds,
    dirMode: 0o700,
    heldMessage: `timed out after ${waitSeconds}s waiting for the lock on ${mainConfig}`,
  });
}
