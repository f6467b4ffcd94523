/**
 * What `doctor` knows about a node (facts, gathered by the gather-*.ts modules with reads only) and what it
 * concludes (checks, computed from the facts by the pure check-*.ts modules). Every path in the facts is
 * as the host names it; `hostPath` maps it to where this process can read it (`--host-root`).
 */
import type { EngineName } from '../engines/types';

export type Status = 'ok' | 'warn' | 'fail';

export interface Check {
  /** Stable identifier, e.g. `runtimes-loaded` (documented in README, part of the JSON schema). */
  readonly id: string;
  /** The engine the check is about; absent for node-wide checks (CDI specs, toolkit). */
  readonly engine?: EngineName;
  readonly status: Status;
  /** One line: what was found. */
  readonly summary: string;
  /** The facts behind it, one line each. */
  readonly evidence: readonly string[];
  /** What to do about it (set when the status is not ok). */
  readonly fix?: string;
}

/** One runtime entry as a config file declares it. */
export interface DeclaredRuntime {
  readonly name: string;
  /** The binary it runs ('' when the entry names none). */
  readonly binary: string;
}

export interface ConfigFileFact {
  readonly path: string;
  /** `main`, or how the engine reaches it: a containerd import pattern, or cri-o's drop-in directory. */
  readonly via: 'main' | { readonly import: string } | { readonly dropInDir: string };
  readonly exists: boolean;
  readonly mtimeMs?: number;
  /** A read or parse error (the engine would refuse the file). */
  readonly error?: string;
  readonly runtimes: readonly DeclaredRuntime[];
  readonly defaultRuntime?: string;
  /** containerd: whether this file sets the CRI plugin's table (containerd < 2.1 replaces it as a whole). */
  readonly setsCriTable: boolean;
  /** `enable_cdi` (containerd) / `features.cdi` (docker) as this file sets it. */
  readonly cdiEnabled?: boolean;
  readonly cdiSpecDirs?: readonly string[];
}

/** An import entry that matches no file, or a file that looks like a drop-in but is not read. */
export interface ImportProblem {
  readonly kind: 'no-match' | 'not-imported';
  /** no-match: the entry as written; not-imported: the file. */
  readonly entry: string;
  /** no-match: the path it resolves to; not-imported: the imports the main file has. */
  readonly detail: string;
  readonly declares: readonly string[];
}

export type LiveFact =
  | {
      readonly reachable: true;
      readonly version: string;
      /** Runtime name → binary; undefined when the engine does not report its runtimes (cri-o). */
      readonly runtimes?: Readonly<Record<string, string>>;
      readonly defaultRuntime: string;
      /** undefined when the engine does not report it (docker < 25, containerd < 1.7). */
      readonly cdiEnabled?: boolean;
      readonly cdiSpecDirs?: readonly string[];
      readonly pid?: number;
      /** When the process started (ms since the epoch). */
      readonly startedMs?: number;
      /** The config file named on the daemon's command line (or its built-in default); host path. */
      readonly readsConfig?: string;
    }
  | { readonly reachable: false; readonly error: string };

export interface EngineFacts {
  readonly engine: EngineName;
  /** How the engine was chosen: `--runtime`, or found by auto-detection. */
  readonly chosenBy: 'flag' | 'socket' | 'config';
  readonly config: string;
  readonly socket: string;
  readonly files: readonly ConfigFileFact[];
  readonly importProblems: readonly ImportProblem[];
  readonly live: LiveFact;
  readonly ledger: LedgerFact;
}

export interface BinaryFact {
  /** As the runtime entry names it (a host path). */
  readonly declared: string;
  /** Where this process reads it. */
  readonly path: string;
  readonly exists: boolean;
  readonly executable: boolean;
  /** Set when the file is a toolkit wrapper script: the `.real` binary it runs. */
  readonly real?: { readonly path: string; readonly exists: boolean };
}

export interface ToolkitConfigFact {
  readonly path: string;
  readonly error?: string;
  /** Paths the config names (`nvidia-container-cli.path` …) and whether each exists. */
  readonly paths: readonly { readonly key: string; readonly path: string; readonly exists: boolean }[];
}

export interface CdiSpecFact {
  readonly path: string;
  readonly error?: string;
  readonly problems: readonly string[];
  readonly kind?: string;
  readonly devices: readonly { readonly name: string; readonly missingNodes: readonly string[] }[];
  /** Device nodes the spec's top-level edits need that do not exist. */
  readonly missingCommonNodes: readonly string[];
}

export interface LedgerFact {
  readonly path: string;
  readonly error?: string;
  readonly files: readonly {
    readonly path: string;
    readonly owners: readonly string[];
    /** The file is byte-for-byte what the last setup wrote. */
    readonly unchanged: boolean;
    /** Entries a setup wrote that are now different or gone (key paths), when the file changed. */
    readonly lost: readonly string[];
    readonly exists: boolean;
  }[];
}

export interface NodeFacts {
  readonly hostRoot: string;
  readonly engines: readonly EngineFacts[];
  /** Every binary some NVIDIA runtime entry names. */
  readonly binaries: readonly BinaryFact[];
  readonly toolkitConfigs: readonly ToolkitConfigFact[];
  readonly cdiDirs: readonly string[];
  readonly cdiSpecs: readonly CdiSpecFact[];
}
