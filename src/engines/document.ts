/** One face for the two document kinds: parse once, then render a changed value tree as minimal edits. */
import { applyJson, type JsonObject, parseJson } from '../edit/json';
import { applyToml, parseToml, type TomlTable } from '../edit/toml';
import { deepFreeze } from '../edit/value';
import { ConfigError } from '../errors';
import { isK3sTemplatePath, joinTemplate, splitTemplate } from './k3s-template';
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
  if (format === 'toml' && isK3sTemplatePath(file)) return parseK3sTemplate(text, file);
  if (format === 'toml') {
    const doc = parseToml(text, file);
    return { file, text, tree: doc.value as Tree, render: (t) => applyToml(doc, t as TomlTable) };
  }
  const doc = parseJson(text, file);
  deepFreeze(doc.value); // TOML values come frozen from parseToml
  return { file, text, tree: doc.value as Tree, render: (t) => applyJson(doc, t as JsonObject) };
}

/**
 * A k3s/RKE2 template is a Go template, never TOML: only its tail after `{{ template "base" . }}` is parsed and
 * edited, and the head goes back in front of it byte for byte (k3s-template.ts). Chosen by the file's name, the
 * name k3s itself gives it, so every reader of the file (planner, ledger, doctor) sees the same tree.
 */
function parseK3sTemplate(text: string, file: string): ConfigDoc {
  const { head, tail, headLines } = splitTemplate(text, file);
  let doc: ReturnType<typeof parseToml>;
  try {
    doc = parseToml(tail, file);
  } catch (err) {
    if (!(err instanceof ConfigError) || err.line === undefined) throw err;
    const column = err.column ?? 1;
    const why = err.message.slice(`${file}:${err.line}:${column}: `.length);
    throw new ConfigError(file, why, { line: err.line + headLines, column });
  }
  return {
    file,
    text,
    tree: doc.value as Tree,
    render: (t) => joinTemplate(head, applyToml(doc, t as TomlTable)),
  };
}
