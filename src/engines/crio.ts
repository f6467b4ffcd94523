/**
 * cri-o `crio.conf` or a `crio.conf.d` drop-in: `crio.runtime.runtimes.<name>` with `runtime_path` and
 * `runtime_type = "oci"`, inheriting the default runtime's (or runc's, or crun's) table so settings such as
 * `runtime_root` and `monitor_path` carry over (field-notes A-23).
 */

import type { KeyPath } from '../edit/path';
import { isTable } from '../edit/value';
import { ConfigError } from '../errors';
import { isNvidiaRuntimeName } from '../runtimes/runtime-set';
import { cloneTree, deleteIn, setIn, stringAt, type Tree, tableAt, typeName } from './tree';
import type { Engine } from './types';

const RUNTIMES: KeyPath = ['crio', 'runtime', 'runtimes'];
const DEFAULT: KeyPath = ['crio', 'runtime', 'default_runtime'];

export function crioEngine(file: string): Engine {
  const runtimes = (tree: Tree) => tableAt(tree, RUNTIMES, file);
  return {
    name: 'crio',
    format: 'toml',
    addRuntime(tree, rt, add) {
      const current = add.templateDefault ?? stringAt(add.source, DEFAULT, file);
      const names = [current, 'runc', 'crun'].filter((n): n is string => !!n && !isNvidiaRuntimeName(n));
      const found = names.map((n) => runtimes(add.source)?.[n]).find(isTable);
      const table: Tree = found ? cloneTree(found) : {};
      table.runtime_path = rt.binary;
      table.runtime_type = 'oci';
      const existing = runtimes(tree)?.[rt.name];
      if (existing !== undefined && !isTable(existing)) {
        throw new ConfigError(file, `runtime ${rt.name} must be a table, found ${typeName(existing)}`);
      }
      setIn(tree, [...RUNTIMES, rt.name], table, file);
    },
    removeRuntime(tree, name) {
      if (runtimes(tree)?.[name] === undefined) return;
      deleteIn(tree, [...RUNTIMES, name], { prune: true });
    },
    defaultRuntime: (tree) => stringAt(tree, DEFAULT, file),
    setDefaultRuntime(tree, name) {
      stringAt(tree, DEFAULT, file);
      if (name === undefined) {
        if (tableAt(tree, DEFAULT.slice(0, -1), file)?.default_runtime !== undefined)
          deleteIn(tree, DEFAULT, { prune: true });
      } else setIn(tree, DEFAULT, name, file);
    },
    enableCdi() {
      // cri-o reads CDI specs without a switch (cdi_spec_dirs has defaults); nothing to change.
    },
    binaryPath(tree, name) {
      const entry = runtimes(tree)?.[name];
      return isTable(entry) && typeof entry.runtime_path === 'string' ? entry.runtime_path : undefined;
    },
    runtimeNames: (tree) => Object.keys(runtimes(tree) ?? {}),
  };
}
