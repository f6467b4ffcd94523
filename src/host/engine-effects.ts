/**
 * Every effect of one engine operation (src/ops/transaction.ts) as one injected interface: the transaction
 * decides the order and the rollbacks, this decides how each step touches the host. Tests replace it with an
 * in-memory host to exercise every failure branch (test/ops/fake-host.ts).
 */
import { isUtf8 } from 'node:buffer';
import type { Ledger } from '../engines/ledger';
import type { FileSnapshot, FileWrite } from '../engines/plan';
import type { EngineName } from '../engines/types';
import { UsageError } from '../errors';
import type { Logger } from '../log';
import { applyWrites } from './apply-writes';
import { containerdDefaultConfig, type DefaultConfig } from './containerd-default';
import { type EngineExpectation, type EngineState, waitForEngine } from './engine-status';
import { readFileState, removeStaleTemps } from './files';
import { lockLedger, readLedger, removeLedgerTemps, writeLedger } from './ledger-store';
import { type RestartRequest, type RestartResult, restartEngine } from './restart';
import { findSocketOwner } from './socket-owner';

export interface HeldLock {
  release(): void;
}

export interface EngineEffects {
  /** Serialises runs on `file`; creates nothing in its directory (a refused run leaves no trace). */
  lock(file: string): HeldLock;
  /** Removes temp files killed runs left beside `files` and the ledger; only while holding the lock. */
  removeStaleTemps(files: readonly string[], ledgerPath: string): void;
  readLedger(path: string): Ledger;
  /** Writes the ledger; an empty one is removed, and its state directory with it. */
  writeLedger(path: string, ledger: Ledger): void;
  /** The file as text we may edit (null text: absent); not UTF-8, a directory, unreadable: an error. */
  read(path: string): FileSnapshot;
  /**
   * Applies writes in the order `action` needs. Each target must still hold the write's `before` text
   * (WriteConflict otherwise); on any failure what this call wrote is taken back before it throws.
   */
  applyWrites(writes: readonly FileWrite[], action: 'setup' | 'cleanup'): void;
  /** `containerd config default` as the host's containerd prints it. */
  containerdDefault(hostRoot: string): DefaultConfig;
  /** Fails when a signal restart cannot happen (no process owns the socket): checked before any write. */
  checkSignalTarget(socket: string): Promise<void>;
  restart(req: RestartRequest): Promise<RestartResult>;
  waitForEngine(req: {
    engine: EngineName;
    socket: string;
    expect: EngineExpectation;
    timeoutMs: number;
    logger: Logger;
    previousPid?: number;
  }): Promise<{ elapsedMs: number; state?: EngineState }>;
}

function read(path: string): FileSnapshot {
  const st = readFileState(path);
  if (!st.exists) return { path, text: null };
  // checked on the bytes: decoding would silently replace invalid sequences
  if (!isUtf8(st.bytes)) throw new UsageError(`${path}: not valid UTF-8; refusing to edit it`);
  return { path, text: st.bytes.toString('utf8') };
}

export const hostEffects: EngineEffects = {
  lock: (file) => lockLedger(file),
  removeStaleTemps(files, ledgerPath) {
    for (const f of files) removeStaleTemps(f);
    removeLedgerTemps(ledgerPath);
  },
  readLedger,
  writeLedger,
  read,
  applyWrites,
  containerdDefault: (hostRoot) => containerdDefaultConfig(hostRoot),
  async checkSignalTarget(socket) {
    await findSocketOwner(socket);
  },
  restart: restartEngine,
  waitForEngine,
};
