/**
 * One engine shape for docker, containerd and cri-o. Engines are pure: they read and change plain value trees
 * (the parsed config); the format-preserving documents in src/edit turn the changed tree into minimal text edits.
 * Mutators work on a tree the caller cloned.
 */
import type { RuntimeSpec } from '../runtimes/runtime-set';
import type { Tree } from './tree';

export type EngineName = 'docker' | 'containerd' | 'crio';
export type ConfigFormat = 'toml' | 'json';

export interface AddOptions {
  /** Where template tables are looked up (the main file when writing a drop-in). */
  readonly source: Tree;
  /**
   * The default runtime before our first setup (kept in the ledger), so a second setup picks the same template
   * even though the default is `nvidia` by then.
   */
  readonly templateDefault?: string;
}

export interface Engine {
  readonly name: EngineName;
  readonly format: ConfigFormat;
  /** Adds or updates one runtime entry (not the default runtime: see setDefaultRuntime). */
  addRuntime(tree: Tree, runtime: RuntimeSpec, opts: AddOptions): void;
  /** Removes a runtime entry and the tables it leaves empty; does not touch the default runtime. */
  removeRuntime(tree: Tree, name: string): void;
  defaultRuntime(tree: Tree): string | undefined;
  /** Sets the default runtime, or removes the setting when `name` is undefined. */
  setDefaultRuntime(tree: Tree, name: string | undefined): void;
  enableCdi(tree: Tree): void;
  binaryPath(tree: Tree, name: string): string | undefined;
  /** Names of the runtime entries present. */
  runtimeNames(tree: Tree): string[];
}
