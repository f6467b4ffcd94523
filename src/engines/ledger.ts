/**
 * The restore ledger as data: its types, the hash that ties it to file contents, and the codec between the
 * in-memory shape and the on-disk JSON (formats 1 and 2), with a schema check, so a hand-edited or truncated
 * ledger is a "corrupt ledger" error naming the file instead of a TypeError deep in the planner. Pure: the
 * store (src/host/ledger-store.ts) reads and writes the bytes and hands the original-bytes files in.
 */
import { isTable } from '../edit/value';
import { ConfigError } from '../errors';
import { type Change, decodeValue, encodeValue } from './changes';
import { sha256Hex } from './sha256';

export interface OwnerRecord {
  /** What this owner's setup changed (taken back by its cleanup). */
  changes: Change[];
  /** What this owner's setup needs, as changes to an empty file (absent in ledgers of older versions). */
  claims?: Change[];
}

export interface LedgerFile {
  existed: boolean;
  /** The bytes before the first setup that touched this file (null when it did not exist). */
  original: string | null;
  afterSha256: string;
  owners: Record<string, OwnerRecord>;
}

export interface Ledger {
  /** Of this in-memory shape; the store reads and writes it as on-disk format 1 or 2. */
  version: 1;
  files: Record<string, LedgerFile>;
}

export const emptyLedger = (): Ledger => ({ version: 1, files: {} });

/** The on-disk format written now; format 1 (the original inline) is still read. */
export const LEDGER_FORMAT = 2;

/**
 * Hashes of the last few texts: one run asks for the same file's hash up to three times (rebase, baseline,
 * result), and the ledger store for the original it read. Few, so a long-running process keeps no more
 * than a handful of texts alive.
 */
const recent = new Map<string, string>();
const RECENT_MAX = 3;

export function sha256(text: string | null): string {
  const t = text ?? '';
  let h = recent.get(t);
  if (h === undefined) {
    h = sha256Hex(t);
    if (recent.size >= RECENT_MAX) recent.delete(recent.keys().next().value as string);
    recent.set(t, h);
  }
  return h;
}

export function corruptLedger(path: string, why: string): ConfigError {
  return new ConfigError(path, `corrupt restore ledger (${why}); move it away to continue without it`);
}

const SHA = /^[0-9a-f]{64}$/;
const isStringArray = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string');

function changeProblem(c: unknown): string | undefined {
  if (!isTable(c) || !isStringArray(c.path) || c.path.length === 0) return 'a change without a key path';
  if (c.kind === 'create') return undefined;
  if (c.kind === 'append')
    return Array.isArray(c.entries) && typeof c.created === 'boolean' ? undefined : 'a malformed append';
  if (c.kind === 'set') {
    if (typeof c.hadBefore !== 'boolean' || typeof c.hadAfter !== 'boolean') return 'a malformed set';
    return undefined;
  }
  return `an unknown change kind ${JSON.stringify(c.kind)}`;
}

function ownerProblem(r: unknown): string | undefined {
  if (!isTable(r) || !Array.isArray(r.changes)) return 'no list of changes';
  if (r.claims !== undefined && !Array.isArray(r.claims)) return 'claims that are not a list';
  for (const c of [...r.changes, ...((r.claims as unknown[] | undefined) ?? [])]) {
    const p = changeProblem(c);
    if (p) return p;
  }
  return undefined;
}

/** What is wrong with one decoded entry (its original already resolved), or undefined. */
function entryProblem(e: unknown): string | undefined {
  if (!isTable(e)) return 'not an object';
  if (typeof e.existed !== 'boolean') return '"existed" is not true or false';
  if (typeof e.original !== 'string' && e.original !== null) return 'no original bytes recorded';
  if (typeof e.afterSha256 !== 'string') return '"afterSha256" is not a string';
  if (!isTable(e.owners)) return '"owners" is not an object';
  for (const [name, rec] of Object.entries(e.owners)) {
    const p = ownerProblem(rec);
    if (p) return `owner ${JSON.stringify(name)} has ${p}`;
  }
  return undefined;
}

/**
 * Decodes ledger JSON text. `original(sha, file)` returns the bytes a format 2 entry names (the store reads
 * them from their own file); every shape problem is a corrupt-ledger error naming `path`.
 */
export function decodeLedger(
  path: string,
  text: string,
  original: (sha: string, file: string) => string,
): Ledger {
  let raw: unknown;
  try {
    raw = JSON.parse(text);
  } catch (err) {
    throw corruptLedger(path, (err as Error).message);
  }
  if (!isTable(raw) || (raw.version !== 1 && raw.version !== LEDGER_FORMAT)) {
    throw new ConfigError(path, 'unknown restore ledger format; move it away to continue without it');
  }
  if (!isTable(raw.files)) throw corruptLedger(path, '"files" is not an object');
  const files: Record<string, LedgerFile> = {};
  for (const [file, rawEntry] of Object.entries(raw.files)) {
    if (!isTable(rawEntry)) throw corruptLedger(path, `the entry for ${file} is not an object`);
    const { originalSha256, ...rest } = decodeValue(rawEntry) as Record<string, unknown>;
    if (originalSha256 !== undefined) {
      if (typeof originalSha256 !== 'string' || !SHA.test(originalSha256))
        throw corruptLedger(path, `bad originalSha256 for ${file}`);
      const text = original(originalSha256, file);
      if (sha256(text) !== originalSha256)
        throw corruptLedger(path, `the original bytes of ${file} do not match their sha256`);
      rest.original = text;
    }
    const problem = entryProblem(rest);
    if (problem) throw corruptLedger(path, `the entry for ${file}: ${problem}`);
    files[file] = rest as unknown as LedgerFile;
  }
  return { version: 1, files };
}

/** The ledger as format 2 JSON text, and the original bytes to keep beside it, by sha256. */
export function encodeLedger(ledger: Ledger): { json: string; originals: Map<string, string> } {
  const originals = new Map<string, string>();
  const files: Record<string, unknown> = {};
  for (const [file, entry] of Object.entries(ledger.files)) {
    const { original, existed, ...rest } = entry;
    if (original === null) {
      files[file] = { existed, original: null, ...rest };
      continue;
    }
    const sha = sha256(original); // memoised: a ledger read this run hashed it already
    originals.set(sha, original);
    files[file] = { existed, originalSha256: sha, ...rest };
  }
  const json = `${JSON.stringify({ version: LEDGER_FORMAT, files: encodeValue(files) }, null, 2)}\n`;
  return { json, originals };
}
