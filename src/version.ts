/**
 * What `--version` prints. The version and the git commit are baked in by scripts/build.mjs (esbuild `define`);
 * run from source (tsx), neither is known, and the output says so rather than guessing.
 */
declare const __CTK_VERSION__: string | undefined;
declare const __CTK_COMMIT__: string | undefined;

export interface VersionInfo {
  readonly version: string;
  readonly commit: string;
  readonly node: string;
}

export function versionInfo(): VersionInfo {
  return {
    version: typeof __CTK_VERSION__ === 'string' ? __CTK_VERSION__ : 'unknown',
    commit: typeof __CTK_COMMIT__ === 'string' ? __CTK_COMMIT__ : 'unknown',
    node: process.version,
  };
}

/** `NAME version V` then `commit: C` and `node: N`, the layout of the original's `--version`. */
export function versionText(name: string, v: VersionInfo = versionInfo()): string {
  return `${name} version ${v.version}\ncommit: ${v.commit}\nnode: ${v.node}\n`;
}
