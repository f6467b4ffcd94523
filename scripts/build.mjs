// One CommonJS bundle per entry: the CLI (fast start) and the library API.
import { spawnSync } from 'node:child_process';
import { chmodSync } from 'node:fs';
import { build } from 'esbuild';

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // jsonc-parser's UMD build breaks bundling unless its ESM entry is preferred.
  mainFields: ['module', 'main'],
  sourcemap: 'linked',
  logLevel: 'warning',
};
await build({
  ...common,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/ctk-installer.cjs',
  minify: true,
  banner: { js: '#!/usr/bin/env node' },
});
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.cjs' });
chmodSync('dist/ctk-installer.cjs', 0o755);
// The flock addon (src/host/lock.ts falls back to flock(1) without it).
const native = spawnSync('bash', ['scripts/build-native.sh'], { stdio: 'inherit' });
if (native.status !== 0) process.exit(native.status ?? 1);
