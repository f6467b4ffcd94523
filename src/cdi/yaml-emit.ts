/**
 * A YAML emitter for JSON-shaped data (maps, lists, strings, finite numbers, booleans), written for CDI specs.
 *
 * Why not `yaml.stringify`: on the 8-GPU × 7-MIG spec (52 KB) the yaml package needs ~30 ms to stringify and
 * ~50 ms more to parse the result back in a fresh process (cold JIT), which alone broke the 150 ms budget for
 * `cdi generate`. This emitter takes ~1 ms, and it is safe by construction rather than by a check afterwards:
 * a string is written plain only when it matches a small conservative pattern that no YAML 1.1 or 1.2 reader
 * can take for anything but a string (no digit or `.` start, no bool/null words such as `yes`, `on`, `y`,
 * `~`, no spaces, `#`, quotes, flow characters, trailing `:` or leading `---`); every other string is
 * double-quoted with JSON escapes, which are valid YAML escapes. So `0`, `0:1` (base 60 in YAML 1.1), `1.0`, `yes`, `on` are always quoted.
 * The yaml package remains the reader (`cdi validate`) and the test oracle: tests parse the output back as
 * YAML 1.1 and 1.2, including a property test over hazard-heavy random documents.
 *
 * Layout matches Go's yaml output that users know from nvidia-ctk: 2-space indent, list items not indented
 * under their key.
 */
const PLAIN = /^(?:[A-Za-z_/]|-[A-Za-z_/-])[A-Za-z0-9_./:=@+-]*$/;
/** Exponent-only floats (`e5`, `-E+3`): the yaml package's YAML 1.1 schema reads them as numbers. */
const EXPONENT = /^-?[eE][-+]?[0-9]/;
/** Case-insensitively: every word YAML 1.1 resolves to a boolean or null (1.2's are a subset). */
const RESERVED = new Set(['y', 'n', 'yes', 'no', 'true', 'false', 'on', 'off', 'null']);

export function yamlScalar(v: string | number | boolean | null): string {
  if (v === null) return 'null';
  if (typeof v === 'boolean') return v ? 'true' : 'false';
  if (typeof v === 'number') {
    // CDI numbers are integers; `1e+21` would be a string to a YAML 1.1 reader, so such forms are refused.
    const text = String(v);
    if (!Number.isFinite(v) || !/^-?\d+(\.\d+)?$/.test(text))
      throw new TypeError(`cannot write ${text} as YAML`);
    return text;
  }
  if (
    PLAIN.test(v) &&
    !EXPONENT.test(v) &&
    !v.endsWith(':') &&
    !v.startsWith('---') &&
    !RESERVED.has(v.toLowerCase())
  ) {
    return v;
  }
  return JSON.stringify(v);
}

export type YamlValue =
  | string
  | number
  | boolean
  | null
  | readonly YamlValue[]
  | { readonly [k: string]: YamlValue | undefined };

function isMap(v: unknown): v is { readonly [k: string]: YamlValue | undefined } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function entries(m: { readonly [k: string]: YamlValue | undefined }): [string, YamlValue][] {
  return Object.entries(m).filter((e): e is [string, YamlValue] => e[1] !== undefined);
}

function emitMap(m: { readonly [k: string]: YamlValue | undefined }, indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const [k, v] of entries(m)) {
    const key = `${pad}${yamlScalar(k)}:`;
    if (Array.isArray(v)) {
      if (v.length === 0) out.push(`${key} []`);
      else {
        out.push(key);
        emitSeq(v, indent, out);
      }
    } else if (isMap(v)) {
      if (entries(v).length === 0) out.push(`${key} {}`);
      else {
        out.push(key);
        emitMap(v, indent + 2, out);
      }
    } else out.push(`${key} ${yamlScalar(v as string | number | boolean | null)}`);
  }
}

function emitSeq(items: readonly YamlValue[], indent: number, out: string[]): void {
  const pad = ' '.repeat(indent);
  for (const item of items) {
    if (Array.isArray(item)) {
      if (item.length === 0) out.push(`${pad}- []`);
      else {
        out.push(`${pad}-`);
        emitSeq(item, indent + 2, out);
      }
    } else if (isMap(item)) {
      if (entries(item).length === 0) {
        out.push(`${pad}- {}`);
        continue;
      }
      // The map's first line shares the `- ` line; the rest align under it.
      const start = out.length;
      emitMap(item, indent + 2, out);
      out[start] = `${pad}- ${out[start]!.slice(indent + 2)}`;
    } else out.push(`${pad}- ${yamlScalar(item as string | number | boolean | null)}`);
  }
}

/** A block-style YAML document for `value` (a map or list at the top), ending in a newline. */
export function emitYaml(value: YamlValue): string {
  const out: string[] = [];
  if (Array.isArray(value)) {
    if (value.length === 0) out.push('[]');
    else emitSeq(value, 0, out);
  } else if (isMap(value)) {
    if (entries(value).length === 0) out.push('{}');
    else emitMap(value, 0, out);
  } else out.push(yamlScalar(value as string | number | boolean | null));
  return `${out.join('\n')}\n`;
}
