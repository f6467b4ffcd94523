/**
 * The field-by-field machinery of the CDI validator: typed reads of an unchecked document that record a
 * problem (with its field path) instead of throwing.
 */
import type { Problem } from './validate';
import { annotationKeyProblem } from './validate-names';

export type Loose = Record<string, unknown>;
export const UINT32_MAX = 0xffff_ffff;

export function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a list';
  if (typeof v === 'object') return 'a mapping';
  if (typeof v === 'string') return `the string ${JSON.stringify(v)}`;
  // YAML 1.1 turns bare `yes`/`on` into booleans: show the value so the cause is obvious.
  return `${typeof v} ${String(v)}`;
}

export function join(path: string, key: string | number): string {
  if (typeof key === 'number') return `${path}[${key}]`;
  return path === '' ? key : `${path}.${key}`;
}

export class Checker {
  readonly problems: Problem[] = [];

  add(path: string, message: string): void {
    this.problems.push({ path, message });
  }

  object(path: string, v: unknown, fields: readonly string[]): Loose | undefined {
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(path, `must be a mapping (got ${describe(v)})`);
      return undefined;
    }
    const o = v as Loose;
    for (const key of Object.keys(o)) {
      if (!fields.includes(key))
        this.add(join(path, key), `unknown field (allowed here: ${fields.join(', ')})`);
    }
    return o;
  }

  /** Optional fields: absent and null (Go decodes null as unset) are both fine. */
  present(o: Loose, key: string): boolean {
    return o[key] !== undefined && o[key] !== null;
  }

  string(o: Loose, key: string, path: string, required: boolean): string | undefined {
    const p = join(path, key);
    if (!this.present(o, key)) {
      if (required) this.add(p, 'is required');
      return undefined;
    }
    const v = o[key];
    if (typeof v !== 'string') {
      this.add(p, `must be a string (got ${describe(v)})`);
      return undefined;
    }
    if (required && v === '') this.add(p, 'must not be empty');
    return v;
  }

  absolute(o: Loose, key: string, path: string, required: boolean): void {
    const v = this.string(o, key, path, required);
    if (v !== undefined && v !== '' && !v.startsWith('/'))
      this.add(join(path, key), 'must be an absolute path');
  }

  list(o: Loose, key: string, path: string): unknown[] | undefined {
    if (!this.present(o, key)) return undefined;
    const v = o[key];
    if (!Array.isArray(v)) {
      this.add(join(path, key), `must be a list (got ${describe(v)})`);
      return undefined;
    }
    return v;
  }

  strings(o: Loose, key: string, path: string): string[] | undefined {
    const items = this.list(o, key, path);
    if (items === undefined) return undefined;
    items.forEach((v, i) => {
      if (typeof v !== 'string') this.add(join(join(path, key), i), `must be a string (got ${describe(v)})`);
    });
    return items.filter((v): v is string => typeof v === 'string');
  }

  integer(o: Loose, key: string, path: string, min: number, max: number): void {
    if (!this.present(o, key)) return;
    const v = o[key];
    if (typeof v !== 'number' || !Number.isInteger(v)) {
      this.add(join(path, key), `must be an integer (got ${describe(v)})`);
    } else if (v < min || v > max) {
      this.add(join(path, key), `must be between ${min} and ${max} (got ${v})`);
    }
  }

  env(o: Loose, key: string, path: string): void {
    this.list(o, key, path)?.forEach((v, i) => {
      const p = join(join(path, key), i);
      if (typeof v !== 'string') this.add(p, `must be a string (got ${describe(v)})`);
      else if (!v.includes('=')) this.add(p, `must have the form NAME=VALUE (got ${JSON.stringify(v)})`);
      else if (v.startsWith('=')) this.add(p, 'variable name must not be empty');
    });
  }

  annotations(o: Loose, key: string, path: string): void {
    if (!this.present(o, key)) return;
    const p = join(path, key);
    const v = o[key];
    if (typeof v !== 'object' || v === null || Array.isArray(v)) {
      this.add(p, `must be a mapping of strings (got ${describe(v)})`);
      return;
    }
    let size = 0;
    for (const [k, val] of Object.entries(v as Loose)) {
      const problem = annotationKeyProblem(k);
      if (problem) this.add(join(p, k), problem);
      if (typeof val !== 'string') this.add(join(p, k), `must be a string (got ${describe(val)})`);
      else size += k.length + val.length;
    }
    if (size > 256 * 1024) this.add(p, `total size ${size} bytes exceeds 262144`);
  }
}
