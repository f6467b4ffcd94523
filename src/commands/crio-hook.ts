/**
 * cri-o's legacy OCI-hook mode: one whole file we own (upstream-behaviour §2.5). Setup writes it, cleanup gives
 * back what was there before (usually nothing); no engine restart, as in the original.
 */
import { dirname, join } from 'node:path';
import { ociHookText } from '../engines/ocihook';
import type { FileWrite, Ledger } from '../engines/plan';
import { applyWrites } from '../host/apply-writes';
import { removeStaleTemps } from '../host/files';
import { ledgerPaths, lockLedger, readLedger, removeLedgerTemps, writeLedger } from '../host/ledger-store';
import type { Logger } from '../log';
import type { RuntimeSpec } from '../runtimes/runtime-set';
import type { EngineOpOptions, EngineOpResult } from './engine-op';
import { diffOf, releaseState, snapshot, unlock, writeLedgerIfChanged } from './engine-state';

export async function runHook(
  o: EngineOpOptions,
  runtimes: RuntimeSpec[],
  logger: Logger,
): Promise<EngineOpResult> {
  const path = join(o.hooksDir, o.hookFilename);
  const text = ociHookText(dirname(runtimes[0]!.binary));
  const lock = o.dryRun ? undefined : lockLedger(path);
  try {
    const { ledger: ledgerPath } = ledgerPaths(path);
    if (lock) {
      removeStaleTemps(path);
      removeLedgerTemps(ledgerPath);
    }
    const ledger = readLedger(ledgerPath);
    const snap = snapshot(path);
    const entry = ledger.files[path];
    let after: string | null;
    const next: Ledger = structuredClone(ledger);
    if (o.action === 'setup') {
      after = text;
      next.files[path] = entry ?? {
        existed: snap.text !== null,
        original: snap.text,
        afterSha256: '',
        owners: { hook: { changes: [] } },
      };
    } else {
      after = entry ? (entry.existed ? entry.original : null) : null;
      delete next.files[path];
    }
    const writes: FileWrite[] = after === snap.text ? [] : [{ path, before: snap.text, after }];
    const base = {
      engine: o.engine,
      action: o.action,
      runtimes,
      warnings: [],
      restart: null,
      verified: false,
    };
    if (o.dryRun) return { ...base, changed: writes.map((w) => w.path), diff: diffOf(writes) };
    if (o.action === 'setup') writeLedgerIfChanged(ledgerPath, ledger, next);
    applyWrites(writes, o.action);
    if (o.action === 'cleanup') {
      writeLedger(ledgerPath, next);
      releaseState(path, next, lock);
    }
    logger.info(
      writes.length ? `${o.action === 'setup' ? 'Wrote' : 'Removed'} OCI hook` : 'OCI hook unchanged',
      { file: path },
    );
    return { ...base, changed: writes.map((w) => w.path) };
  } finally {
    unlock(lock, path);
  }
}
