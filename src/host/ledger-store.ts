/**
 * Where the restore ledger lives: `<dir of the main config>/.ctk-installer/<config name>.ledger.json`.
 * That directory is on the host (the DaemonSet mounts the engine's config directory), so the ledger survives
 * a pod restart; and no engine reads it: containerd and docker read named files, cri-o reads `*.conf`/`*.toml`
 * files of crio.conf.d (not this directory), and OCI hook directories are scanned for `*.json` files only.
 * The lock next to it serialises concurrent setups of the same file.
 *
 * On-disk format 2 keeps each file's original bytes out of the JSON, verbatim, in
 * `<config name>.<sha256>.original` beside it (the JSON holds `originalSha256`): a 1 MB config is not
 * escaped into, and parsed back out of, a JSON string on every run. An original is written (atomically)
 * before the JSON that names it, and removed only after a JSON that no longer names it was written, so a
 * crash at any point leaves a ledger whose originals are all there (at worst with an unnamed one beside it,
 * removed by the next write). Format 1 (the original inline as `original`) is still read.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmdirSync, unlinkSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { corruptLedger, decodeLedger, emptyLedger, encodeLedger, type Ledger } from '../engines/ledger';
import { HostError, LockedError } from '../errors';
import { atomicWrite, describe, readFileState, removeFile, removeStaleTemps } from './files';
import { type FileLock, lockDirectory } from './lock';

export const STATE_DIR_NAME = '.ctk-installer';
const LEDGER_SUFFIX = '.ledger.json';

export function ledgerPaths(mainConfig: string): { dir: string; ledger: string; lock: string } {
  const dir = join(dirname(mainConfig), STATE_DIR_NAME);
  const name = basename(mainConfig);
  return { dir, ledger: join(dir, `${name}${LEDGER_SUFFIX}`), lock: join(dir, `${name}.lock`) };
}

/** The file holding the original bytes with this sha256, beside the ledger at `ledgerPath`. */
export function originalPath(ledgerPath: string, sha: string): string {
  return join(dirname(ledgerPath), `${basename(ledgerPath, LEDGER_SUFFIX)}.${sha}.original`);
}

class MissingOriginal extends Error {}

function parseLedger(path: string, bytes: Buffer): Ledger {
  return decodeLedger(path, bytes.toString('utf8'), (sha, file) => {
    try {
      return readFileSync(originalPath(path, sha), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingOriginal(file);
      throw new HostError(`${originalPath(path, sha)}: cannot read: ${describe(err)}`, { file: path });
    }
  });
}

export function readLedger(path: string): Ledger {
  // A reader without the lock (the orchestrator) can race a writer that just replaced the ledger and removed
  // the original the old one named: the second read sees the new ledger.
  for (let attempt = 0; ; attempt++) {
    const st = readFileState(path);
    if (!st.exists) return emptyLedger();
    try {
      return parseLedger(path, st.bytes);
    } catch (err) {
      if (!(err instanceof MissingOriginal)) throw err;
      if (attempt > 0) throw corruptLedger(path, `the original bytes of ${err.message} are missing`);
    }
  }
}

/** The names of this ledger's original-bytes files now in its directory. */
function originalFiles(ledgerPath: string): string[] {
  const prefix = `${basename(ledgerPath, LEDGER_SUFFIX)}.`;
  let names: string[];
  try {
    names = readdirSync(dirname(ledgerPath));
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix) && /^[0-9a-f]{64}\.original$/.test(n.slice(prefix.length)));
}

/** Best effort: an original left behind is only litter (the next write tries again), never a wrong restore. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch {
    // gone already, or not removable now
  }
}

function removeOriginals(ledgerPath: string, keep: ReadonlySet<string>): void {
  for (const n of originalFiles(ledgerPath)) {
    const p = join(dirname(ledgerPath), n);
    if (!keep.has(p)) unlinkQuietly(p);
  }
}

/**
 * Writes the ledger (format 2), or removes it with its originals when it has no files left, and then the
 * state directory too when nothing else is in it: the last cleanup leaves /etc as it found it.
 */
export function writeLedger(path: string, ledger: Ledger): void {
  if (Object.keys(ledger.files).length === 0) {
    clearLedger(path);
    // the lock file earlier versions kept here (they locked a file in this directory, not the directory)
    unlinkQuietly(join(dirname(path), `${basename(path, LEDGER_SUFFIX)}.lock`));
    try {
      rmdirSync(dirname(path));
    } catch {
      // not empty (another file's ledger lives there) or already gone
    }
    return;
  }
  try {
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  } catch (err) {
    throw new HostError(`${dirname(path)}: cannot create the restore ledger's directory: ${describe(err)}`, {
      file: path,
    });
  }
  const { json, originals } = encodeLedger(ledger);
  const referenced = new Set<string>();
  for (const [sha, original] of originals) {
    const p = originalPath(path, sha);
    // named by its content, so one that is there already holds these bytes (atomic writes leave no partial one)
    if (!existsSync(p)) atomicWrite(p, original, { mode: 0o600 });
    referenced.add(p);
  }
  atomicWrite(path, json, { mode: 0o600 });
  removeOriginals(path, referenced);
}

/**
 * Removes the temp files a killed writer left beside the ledger and its originals. Call it only while holding
 * the ledger's lock (a live writer's temp file would go too).
 */
export function removeLedgerTemps(ledgerPath: string): void {
  removeStaleTemps(ledgerPath);
  const name = basename(ledgerPath, LEDGER_SUFFIX);
  const dir = dirname(ledgerPath);
  let names: string[];
  try {
    names = readdirSync(dir);
  } catch {
    return;
  }
  const prefix = `.${name}.`;
  for (const n of names) {
    if (
      n.startsWith(prefix) &&
      /^[0-9a-f]{64}\.original\.[0-9a-f]{12}\.ctk-tmp$/.test(n.slice(prefix.length))
    )
      unlinkQuietly(join(dir, n));
  }
}

/** Removes the ledger and every original-bytes file of it (also ones a killed run left unnamed). */
export function clearLedger(path: string): void {
  removeFile(path);
  removeOriginals(path, new Set());
}

/**
 * Serialises runs on `mainConfig`: flock(2) on the directory that holds it, so taking the lock creates
 * nothing (a refused run leaves no trace, not even a changed directory mtime). A missing directory is
 * created for the lock and removed again on release when the run left nothing in it.
 */
export function lockLedger(mainConfig: string, waitSeconds = 120): FileLock {
  const dir = dirname(mainConfig);
  let made: string | undefined;
  if (!existsSync(dir)) {
    try {
      made = mkdirSync(dir, { recursive: true, mode: 0o755 });
    } catch (err) {
      throw new HostError(`${mainConfig}: cannot create its directory ${dir}: ${describe(err)}`, {
        file: mainConfig,
      });
    }
  }
  const removeMade = () => {
    if (made === undefined) return;
    for (let d = dir; d.length >= made.length; d = dirname(d)) {
      try {
        rmdirSync(d);
      } catch {
        return; // not empty: the run wrote something there
      }
    }
  };
  let lock: FileLock;
  try {
    lock = lockDirectory(dir, {
      waitSeconds,
      heldMessage: `timed out after ${waitSeconds}s waiting for the lock on ${mainConfig}`,
    });
  } catch (err) {
    removeMade();
    if (err instanceof HostError && !(err instanceof LockedError))
      throw new HostError(`${mainConfig}: ${err.message}`, { file: mainConfig });
    throw err;
  }
  return {
    path: lock.path,
    fd: lock.fd,
    release() {
      lock.release();
      removeMade();
    },
  };
}
