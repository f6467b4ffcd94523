/**
 * The file and ledger state around one engine operation: reading a config as text we may edit, the diff a
 * dry run prints, and leaving the state directory as we found it when no ledger remains.
 */
import { isUtf8 } from 'node:buffer';
import { rmdirSync } from 'node:fs';
import { unifiedDiff } from '../edit/diff';
import { valueEquals } from '../edit/value';
import { emptyLedger, type FileSnapshot, type FileWrite, type Ledger } from '../engines/plan';
import { UsageError } from '../errors';
import { readFileState } from '../host/files';
import { clearLedger, ledgerPaths, type lockLedger, writeLedger } from '../host/ledger-store';
import { removeLockFile } from '../host/lock';

export type LedgerLock = ReturnType<typeof lockLedger>;

export function snapshot(path: string): FileSnapshot {
  const st = readFileState(path);
  if (!st.exists) return { path, text: null };
  // checked on the bytes: decoding would silently replace invalid sequences
  if (!isUtf8(st.bytes)) throw new UsageError(`${path}: not valid UTF-8; refusing to edit it`);
  return { path, text: st.bytes.toString('utf8') };
}

export function diffOf(writes: readonly FileWrite[]): string {
  return writes
    .map((w) =>
      unifiedDiff(
        w.before ?? '',
        w.after ?? '',
        w.before === null ? '/dev/null' : w.path,
        w.after === null ? '/dev/null' : w.path,
      ),
    )
    .join('');
}

export function writeLedgerIfChanged(path: string, before: Ledger, after: Ledger): void {
  if (!valueEquals(before, after)) writeLedger(path, after);
}

/**
 * Releases the lock. With no ledger for `main` (a failed first run, a setup that found nothing to change), the
 * lock file and state directory this run made go too: a refused run leaves the directory as it found it.
 */
export function unlock(lock: LedgerLock | undefined, main: string): void {
  if (!lock) return;
  let hasLedger = true;
  try {
    hasLedger = readFileState(ledgerPaths(main).ledger).exists;
  } catch {
    // unreadable ledger: keep everything as it is
  }
  if (hasLedger) lock.release();
  else releaseState(main, emptyLedger(), lock);
}

/** After the last cleanup the state directory goes too, so cleanup leaves /etc as it found it. */
export function releaseState(config: string, ledger: Ledger, lock: LedgerLock | undefined): void {
  if (!lock || Object.keys(ledger.files).length > 0) return;
  // also original-bytes files a killed setup wrote before its ledger (ledger-store.ts)
  clearLedger(ledgerPaths(config).ledger);
  removeLockFile(lock);
  try {
    rmdirSync(ledgerPaths(config).dir);
  } catch {
    // not empty (another file's ledger lives there) or already gone
  }
}
