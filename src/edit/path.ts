/** A key path into a TOML or JSON document, e.g. ['plugins', 'io.containerd.grpc.v1.cri', 'containerd']. */
export type KeyPath = readonly string[];

/** Plain data values the editors accept and return. */
export type Value =
  | string
  | number
  | boolean
  | bigint
  | Date
  | readonly Value[]
  | { readonly [k: string]: Value };

export function isTable(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) && !(v instanceof Date);
}

/** Reads a nested value from a plain object tree; undefined when any step is missing or not a table. */
export function getIn(tree: unknown, path: KeyPath): unknown {
  let cur: unknown = tree;
  for (const k of path) {
    if (!isTable(cur) || !Object.hasOwn(cur, k)) return undefined;
    cur = cur[k];
  }
  return cur;
}

export function pathText(path: KeyPath): string {
  return path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
}
