/**
 * Unknown-field check for Kubernetes objects. kubernetes-models' `validate()` checks types and required
 * fields but accepts any extra key (a misspelt `terminationGracePeriod` would pass, and the API server would
 * drop it). The field lists come from the same package's type declarations: each model's `.d.ts` holds one
 * interface with a line per field and imports naming the nested types, which we follow recursively.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';

const NODE_MODULES = resolve(__dirname, '../../node_modules');

type FieldType =
  | { kind: 'leaf' }
  | { kind: 'object'; file: string }
  | { kind: 'array'; of: FieldType }
  | { kind: 'map'; of: FieldType };

interface Shape {
  readonly name: string;
  readonly fields: ReadonlyMap<string, FieldType>;
}

const shapes = new Map<string, Shape | null>();

function resolveImport(fromFile: string, spec: string): string | undefined {
  const base = spec.startsWith('.') ? join(dirname(fromFile), spec) : join(NODE_MODULES, spec);
  const file = `${base.replace(/\.js$/, '')}.d.ts`;
  return existsSync(file) ? file : undefined;
}

function typeOf(text: string, imports: ReadonlyMap<string, string>): FieldType {
  const t = text.trim();
  const arr = /^Array<(.+)>$/.exec(t);
  if (arr) return { kind: 'array', of: typeOf(arr[1]!, imports) };
  const file = imports.get(t);
  return file ? { kind: 'object', file } : { kind: 'leaf' };
}

/** The interface declared in a model `.d.ts` (null for a plain type alias such as IntOrString or Quantity). */
export function shapeOf(file: string): Shape | null {
  const cached = shapes.get(file);
  if (cached !== undefined) return cached;
  const text = readFileSync(file, 'utf8');
  const imports = new Map<string, string>();
  for (const m of text.matchAll(/^import \{ ([^}]+) \} from "([^"]+)";$/gm)) {
    for (const name of m[1]!.split(',').map((s) => s.trim())) {
      const target = resolveImport(file, m[2]!);
      if (target) imports.set(name, target);
    }
  }
  const lines = text.split('\n');
  const start = lines.findIndex((l) => /^export interface \w+/.test(l));
  if (start < 0) {
    shapes.set(file, null);
    return null;
  }
  const name = /^export interface (\w+)/.exec(lines[start]!)![1]!;
  const fields = new Map<string, FieldType>();
  // TypeMeta (apiVersion, kind) is declared again in every top-level model, so `extends` needs no handling.
  for (let i = start + 1; i < lines.length && lines[i] !== '}'; i++) {
    const m = /^ {4}"([^"]+)"\??: (.*)$/.exec(lines[i]!);
    if (!m) continue;
    if (m[2] === '{') {
      const value = /^ {8}\[key: string\]: (.+);$/.exec(lines[i + 1] ?? '');
      fields.set(m[1]!, { kind: 'map', of: value ? typeOf(value[1]!, imports) : { kind: 'leaf' } });
    } else {
      fields.set(m[1]!, typeOf(m[2]!.replace(/;$/, ''), imports));
    }
  }
  if (fields.size === 0) throw new Error(`no fields parsed from ${file}: the .d.ts layout changed`);
  const shape = { name, fields };
  shapes.set(file, shape);
  return shape;
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);

function walk(value: unknown, type: FieldType, path: string, out: string[]): void {
  if (type.kind === 'array') {
    if (Array.isArray(value)) for (const [i, v] of value.entries()) walk(v, type.of, `${path}[${i}]`, out);
  } else if (type.kind === 'map') {
    if (isRecord(value)) for (const [k, v] of Object.entries(value)) walk(v, type.of, `${path}.${k}`, out);
  } else if (type.kind === 'object') {
    const shape = shapeOf(type.file);
    if (!shape || !isRecord(value)) return;
    for (const [k, v] of Object.entries(value)) {
      const field = shape.fields.get(k);
      if (!field) out.push(`${path}.${k} (not a field of ${shape.name})`);
      else walk(v, field, `${path}.${k}`, out);
    }
  }
}

/** Model files by apiVersion/kind (the kinds deploy/ uses). */
export const MODEL_FILES: Readonly<Record<string, string>> = {
  'v1/Namespace': 'kubernetes-models/v1/Namespace.d.ts',
  'v1/ServiceAccount': 'kubernetes-models/v1/ServiceAccount.d.ts',
  'apps/v1/DaemonSet': 'kubernetes-models/apps/v1/DaemonSet.d.ts',
  'node.k8s.io/v1/RuntimeClass': 'kubernetes-models/node.k8s.io/v1/RuntimeClass.d.ts',
};

/** Paths of the keys in `obj` that its kind does not have; [] when every key is a known field. */
export function unknownFields(obj: Record<string, unknown>): string[] {
  const rel = MODEL_FILES[`${String(obj.apiVersion)}/${String(obj.kind)}`];
  if (!rel) throw new Error(`no model for ${String(obj.apiVersion)} ${String(obj.kind)}`);
  const out: string[] = [];
  walk(obj, { kind: 'object', file: join(NODE_MODULES, rel) }, String(obj.kind), out);
  return out;
}
