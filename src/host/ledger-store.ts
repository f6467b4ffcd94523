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
import * as fs from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { decodeValue, encodeValue } from '../engines/changes';
import { emptyLedger, type Ledger, sha256 } from '../engines/plan';
import { ConfigError, HostError } from '../errors';
import { atomicWrite, describe, readFileState, removeFile, removeStaleTemps } from './files';
import { type FileLock, lockFile } from './lock';

export const STATE_DIR_NAME = '.ctk-installer';
const FORMAT = 2;
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

function corrupt(path: string, why: string): ConfigError {
  return new ConfigError(path, `corrupt restore ledger (${why}); move it away to continue without it`);
}

function parseLedger(path: string, bytes: Buffer): Ledger {
  let raw: unknown;
  try {
    raw = JSON.parse(bytes.toString('utf8'));
  } catch (err) {
    throw corrupt(path, (err as Error).message);
  }
  const ledger = decodeValue(raw) as Ledger & { version: number };
  if ((ledger?.version !== 1 && ledger?.version !== FORMAT) || typeof ledger.files !== 'object') {
    throw new ConfigError(path, 'unknown restore ledger format; move it away to continue without it');
  }
  for (const [file, entry] of Object.entries(ledger.files)) {
    const e = entry as typeof entry & { originalSha256?: unknown };
    if (e.originalSha256 === undefined) continue;
    if (typeof e.originalSha256 !== 'string' || !/^[0-9a-f]{64}$/.test(e.originalSha256))
      throw corrupt(path, `bad originalSha256 for ${file}`);
    const sha = e.originalSha256;
    let text: string;
    try {
      text = fs.readFileSync(originalPath(path, sha), 'utf8');
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') throw new MissingOriginal(file);
      throw new HostError(`${originalPath(path, sha)}: cannot read: ${describe(err)}`, { file: path });
    }
    if (sha256(text) !== sha) throw corrupt(path, `the original bytes of ${file} do not match their sha256`);
    delete e.originalSha256;
    e.original = text;
  }
  for (const [file, entry] of Object.entries(ledger.files)) {
    if (typeof entry?.original !== 'string' && entry?.original !== null)
      throw corrupt(path, `no original bytes recorded for ${file}`);
  }
  return { version: 1, files: ledger.files };
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
      if (attempt > 0) throw corrupt(path, `the original bytes of ${err.message} are missing`);
    }
  }
}

/** The names of this ledger's original-bytes files now in its directory. */
function originalFiles(ledgerPath: string): string[] {
  const prefix = `${basename(ledgerPath, LEDGER_SUFFIX)}.`;
  let names: string[];
  try {
    names = fs.readdirSync(dirname(ledgerPath));
  } catch {
    return [];
  }
  return names.filter((n) => n.startsWith(prefix) && /^[0-9a-f]{64}\.original$/.test(n.slice(prefix.length)));
}

/** Best effort: an original left behind is only litter (the next write tries again), never a wrong restore. */
function unlinkQuietly(path: string): void {
  try {
    fs.unlinkSync(path);
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

/** Writes the ledger (format 2), or removes it with its originals when it has no files left. */
export function writeLedger(path: string, ledger: Ledger): void {
  if (Object.keys(ledger.files).length === 0) {
    clearLedger(path);
    return;
  }
  fs.mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const referenced = new Set<string>();
  const files: Record<string, unknown> = {};
  for (const [file, entry] of Object.entries(ledger.files)) {
    const { original, existed, ...rest } = entry;
    if (original === null) {
      files[file] = { existed, original: null, ...rest };
      continue;
    }
    const sha = sha256(original); // memoised: a ledger read this run hashed it already
    const p = originalPath(path, sha);
    // named by its content, so one that is there already holds these bytes (atomic writes leave no partial one)
    if (!referenced.has(p) && !fs.existsSync(p)) atomicWrite(p, original, { mode: 0o600 });
    referenced.add(p);
    files[file] = { existed, originalSha256: sha, ...rest };
  }
  const json = { version: FORMAT, files: encodeValue(files) };
  atomicWrite(path, `${JSON.stringify(json, null, 2)}\n`, { mode: 0o600 });
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
    names = fs.readdirSync(dir);
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
