/**
 * An in-memory host for the engine-operation transaction: files and ledgers in maps, every effect recorded
 * in order, and any step made to fail. Its write semantics follow src/host (compare-and-swap against the
 * bytes read, setup writes in reverse order, a failed call takes back its own writes) so the transaction
 * sees what it would see on a real disk.
 */
import type { Ledger } from '../../src/engines/ledger';
import { emptyLedger } from '../../src/engines/ledger';
import type { FileSnapshot, FileWrite } from '../../src/engines/plan';
import { HostError, VerifyError } from '../../src/errors';
import type { DefaultConfig } from '../../src/host/containerd-default';
import type { EngineEffects, HeldLock } from '../../src/host/engine-effects';
import { WriteConflict } from '../../src/host/files';
import type { RestartRequest, RestartResult } from '../../src/host/restart';
import type { EngineOpOptions } from '../../src/ops/options';

export interface Failures {
  /** Writing (or removing) this path fails. */
  writeOf?: string;
  /** Ledger writes fail from the nth one (1-based, counted from the start of this host). */
  ledgerWrite?: number;
  restart?: boolean;
  verify?: boolean;
  signalTarget?: boolean;
}

export class FakeHost implements EngineEffects {
  readonly files = new Map<string, string>();
  readonly ledgers = new Map<string, Ledger>();
  readonly events: string[] = [];
  fail: Failures = {};
  locked = 0;
  defaultConfig: DefaultConfig = { unavailable: 'no containerd in the fake host' };
  /** Called before each file write: a test edits a file here to play another program racing us. */
  beforeWrite?: (path: string) => void;
  ledgerWrites = 0;

  lock(file: string): HeldLock {
    this.events.push(`lock ${file}`);
    this.locked++;
    return {
      release: () => {
        this.events.push('unlock');
        this.locked--;
      },
    };
  }
  removeStaleTemps(): void {}
  readLedger(path: string): Ledger {
    return structuredClone(this.ledgers.get(path) ?? emptyLedger());
  }
  writeLedger(path: string, ledger: Ledger): void {
    this.ledgerWrites++;
    if (this.fail.ledgerWrite !== undefined && this.ledgerWrites >= this.fail.ledgerWrite) {
      this.events.push('ledger write fails');
      throw new HostError(`${path}: cannot write: no space left on device`, { file: path });
    }
    this.events.push(`ledger ${Object.keys(ledger.files).length}`);
    if (Object.keys(ledger.files).length === 0) this.ledgers.delete(path);
    else this.ledgers.set(path, structuredClone(ledger));
  }
  read(path: string): FileSnapshot {
    return { path, text: this.files.get(path) ?? null };
  }
  private put(path: string, text: string | null): void {
    if (text === null) this.files.delete(path);
    else this.files.set(path, text);
  }
  applyWrites(writes: readonly FileWrite[], action: 'setup' | 'cleanup'): void {
    const ordered = action === 'setup' ? [...writes].reverse() : writes;
    const done: FileWrite[] = [];
    try {
      for (const w of ordered) {
        this.beforeWrite?.(w.path);
        if (this.fail.writeOf === w.path) {
          this.events.push(`write fails ${w.path}`);
          throw new HostError(`${w.path}: cannot write: read-only file system`, { file: w.path });
        }
        if ((this.files.get(w.path) ?? null) !== w.before) {
          this.events.push(`conflict ${w.path}`);
          throw new WriteConflict(w.path);
        }
        this.put(w.path, w.after);
        this.events.push(`${w.after === null ? 'remove' : 'write'} ${w.path}`);
        done.push(w);
      }
    } catch (err) {
      for (const w of done.reverse()) {
        this.put(w.path, w.before);
        this.events.push(`take back ${w.path}`);
      }
      throw err;
    }
  }
  containerdDefault(): DefaultConfig {
    return this.defaultConfig;
  }
  async checkSignalTarget(socket: string): Promise<void> {
    this.events.push('check signal target');
    if (this.fail.signalTarget) throw new HostError(`no process listens on ${socket}`);
  }
  async restart(req: RestartRequest): Promise<RestartResult> {
    this.events.push(`restart ${req.mode}`);
    if (this.fail.restart) throw new HostError(`systemctl restart ${req.unit} failed`);
    return req.mode === 'none' ? { mode: 'none', skipped: true } : { mode: req.mode, pid: 42 };
  }
  async waitForEngine(): Promise<{ elapsedMs: number }> {
    this.events.push('verify');
    if (this.fail.verify) throw new VerifyError('the engine does not show the runtimes');
    return { elapsedMs: 1 };
  }
}

/** Options as the CLIs build them, with restarts that the fake host records. */
export function opts(over: Partial<EngineOpOptions> = {}): EngineOpOptions {
  return {
    engine: 'containerd',
    action: 'setup',
    runtimeDir: '/usr/local/nvidia/toolkit',
    config: '/etc/containerd/config.toml',
    socket: '/run/containerd/containerd.sock',
    restartMode: 'signal',
    restartUnit: 'containerd',
    restartAttempts: 1,
    restartIntervalMs: 1,
    verifyTimeoutMs: 1000,
    runtimeName: 'nvidia',
    setAsDefault: false,
    hostRoot: '',
    dropInConfig: '',
    dropInConfigHostPath: '',
    enableCdi: false,
    useLegacyConfig: false,
    runtimeType: 'io.containerd.runc.v2',
    annotationPrefixes: [],
    configMode: 'config',
    hooksDir: '/usr/share/containers/oci/hooks.d',
    hookFilename: 'oci-nvidia-hook.json',
    ...over,
  };
}
