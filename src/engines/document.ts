/** One face for the two document kinds: parse once, then render a changed value tree as minimal edits. */
import { applyJson, type JsonObject, parseJson } from '../edit/json';
import { applyToml, parseToml, type TomlTable } from '../edit/toml';
import { deepFreeze } from '../edit/value';
import type { Tree } from './tree';
import type { ConfigFormat } from './types';

export interface ConfigDoc {
  readonly file: string;
  readonly text: string;
  /** Deep-frozen: trees built from it share its tables (tree.ts), so it must never change. */
  readonly tree: Tree;
  /** The text whose value is `target`, keeping every byte the change does not need to touch. */
  render(target: Tree): string;
}

export function parseConfig(format: ConfigFormat, text: string, file: string): ConfigDoc {
  if (format === 'toml') {
    const doc = parseToml(text, file);
    return { file, text, tree: doc.value as Tree, render: (t) => applyToml(doc, t as TomlTable) };
  }
  const doc = parseJson(text, file);
  deepFreeze(doc.value); // TOML values come frozen from parseToml
  return { file, text, tree: doc.value as Tree, render: (t) => applyJson(doc, t as JsonObject) };
}
