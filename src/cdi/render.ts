/**
 * Spec text. YAML is written for YAML 1.1 readers, because the engines' CDI loaders decode with go-yaml, which
 * follows 1.1: there `yes`, `on`, `y`, `1.0`, `012`, `0:1` (base 60!) unquoted would come back as booleans or
 * numbers. yaml-emit.ts quotes every string that is not unmistakably a string (see there for why it is not
 * `yaml.stringify`). The yaml package reads specs (`cdi validate`); it is required inside the function, so
 * commands that never touch CDI do not load it.
 */
import { ConfigError } from '../errors';
import type { CdiSpec } from './spec-types';
import { emitYaml, type YamlValue } from './yaml-emit';

export type SpecFormat = 'yaml' | 'json';
export const SPEC_FORMATS: readonly SpecFormat[] = ['yaml', 'json'];

type YamlModule = typeof import('yaml');
function yamlModule(): YamlModule {
  return require('yaml') as YamlModule;
}

/** `.json` → json, `.yaml`/`.yml` → yaml, anything else → undefined. */
export function formatFromPath(path: string): SpecFormat | undefined {
  if (/\.json$/i.test(path)) return 'json';
  if (/\.ya?ml$/i.test(path)) return 'yaml';
  return undefined;
}

export function renderSpec(spec: CdiSpec, format: SpecFormat): string {
  if (format === 'json') return `${JSON.stringify(spec, null, 2)}\n`;
  return emitYaml(spec as unknown as YamlValue);
}

/**
 * Parses spec text as a CDI loader would (YAML 1.1, which also reads JSON; duplicate keys are an error).
 * Syntax errors become `file:line:col: message`.
 */
export function parseSpecText(text: string, file: string): unknown {
  const yaml = yamlModule();
  const lineCounter = new yaml.LineCounter();
  const doc = yaml.parseDocument(text, {
    version: '1.1',
    uniqueKeys: true,
    prettyErrors: false,
    lineCounter,
  });
  const err = doc.errors[0];
  if (err) {
    const pos = lineCounter.linePos(err.pos[0]);
    throw new ConfigError(file, err.message.split('\n')[0] ?? err.message, {
      line: pos.line,
      column: pos.col,
    });
  }
  return doc.toJS({ maxAliasCount: 100 }) as unknown;
}
