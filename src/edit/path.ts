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

export function pathText(path: KeyPath): string {
  return path.map((k) => (/^[A-Za-z0-9_-]+$/.test(k) ? k : JSON.stringify(k))).join('.');
}
