/**
 * docker `daemon.json`: `runtimes.<name> = {path, args: []}`, `default-runtime`, `features.cdi`.
 * Unlike the original, an existing runtime entry keeps its other keys (e.g. the user's `runtimeArgs`), and
 * `features` is merged into, never replaced.
 */

import { isTable } from '../edit/value';
import { ConfigError } from '../errors';
import { deleteIn, ensureTable, stringAt, type Tree, tableAt, typeName } from './tree';
import type { Engine } from './types';

export function dockerEngine(file: string): Engine {
  const runtimes = (tree: Tree) => tableAt(tree, ['runtimes'], file);
  return {
    name: 'docker',
    format: 'json',
    addRuntime(tree, rt) {
      const entries = ensureTable(tree, ['runtimes'], file);
      const existing = entries[rt.name];
      if (existing !== undefined && !isTable(existing)) {
        throw new ConfigError(file, `runtimes.${rt.name} must be an object, found ${typeName(existing)}`);
      }
      // an existing entry may be shared with the parsed document: ensureTable gives a copy to change
      if (existing) ensureTable(tree, ['runtimes', rt.name], file).path = rt.binary;
      else entries[rt.name] = { path: rt.binary, args: [] };
    },
    removeRuntime(tree, name) {
      if (runtimes(tree)?.[name] === undefined) return;
      deleteIn(tree, ['runtimes', name], { prune: true });
    },
    defaultRuntime: (tree) => stringAt(tree, ['default-runtime'], file),
    setDefaultRuntime(tree, name) {
      stringAt(tree, ['default-runtime'], file);
      if (name === undefined) delete tree['default-runtime'];
      else tree['default-runtime'] = name;
    },
    enableCdi(tree) {
      ensureTable(tree, ['features'], file).cdi = true;
    },
    binaryPath(tree, name) {
      const entry = runtimes(tree)?.[name];
      return isTable(entry) && typeof entry.path === 'string' ? entry.path : undefined;
    },
    runtimeNames: (tree) => Object.keys(runtimes(tree) ?? {}),
  };
}
