// The CLI: a small loader (dist/ctk-installer.cjs, src/bin.ts) that runs one of two bundles from a V8 code
// cache: the engine commands only, or everything. Plus the library API bundle and the Node-API addon.
import { execFileSync, spawnSync } from 'node:child_process';
import { chmodSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { build } from 'esbuild';

// `--version` shows the package version and the commit the bundle was built from ("unknown" outside git).
function gitCommit() {
  try {
    return execFileSync('git', ['rev-parse', 'HEAD'], {
      encoding: 'utf8',
      stdio: ['ignore', 'pipe', 'ignore'],
    }).trim();
  } catch {
    return 'unknown';
  }
}
const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8'));

/**
 * jsonc-parser's modules have no side effects, but the package does not say so: without this, its formatter's
 * tables (1,200 strings, ~250 KB built at load) stay in the bundles although only parseTree is used, and on
 * every start they cost a young-generation GC or two (~3.5 ms each, issue 11).
 */
const jsoncSideEffectFree = {
  name: 'jsonc-side-effect-free',
  setup(b) {
    b.onResolve({ filter: /.*/ }, async (args) => {
      const inPackage = args.path === 'jsonc-parser' || args.importer.includes('/node_modules/jsonc-parser/');
      if (!inPackage || args.pluginData === 'resolving') return undefined;
      const r = await b.resolve(args.path, {
        kind: args.kind,
        importer: args.importer,
        resolveDir: args.resolveDir,
        pluginData: 'resolving',
      });
      if (r.errors.length > 0) return { errors: r.errors };
      return { path: r.path, namespace: r.namespace, external: r.external, sideEffects: false };
    });
  },
};

const common = {
  bundle: true,
  platform: 'node',
  target: 'node20',
  format: 'cjs',
  // jsonc-parser's UMD build breaks bundling unless its ESM entry is preferred.
  mainFields: ['module', 'main'],
  sourcemap: 'linked',
  logLevel: 'warning',
  define: {
    __CTK_VERSION__: JSON.stringify(pkg.version),
    __CTK_COMMIT__: JSON.stringify(process.env.CTK_BUILD_COMMIT || gitCommit()),
  },
  plugins: [jsoncSideEffectFree],
};
mkdirSync('dist', { recursive: true }); // a fresh checkout has none yet
// Code caches of an earlier build would be rejected by V8 anyway; remove them rather than leave them to rot.
for (const f of readdirSync('dist', { withFileTypes: true }).filter((e) => e.name.endsWith('.v8cache')))
  rmSync(`dist/${f.name}`);
await build({
  ...common,
  entryPoints: ['src/bin.ts'],
  outfile: 'dist/ctk-installer.cjs',
  minify: true,
  sourcemap: false,
  banner: { js: '#!/usr/bin/env node' },
});
// The two bundles are function expressions that src/bin.ts compiles as they are read: wrapping them there
// made V8 flatten a copy of the whole text, ~190 KB more young-generation garbage on every start (issue 11).
const loadedByBin = {
  minify: true,
  banner: { js: '(function (exports, require, module, __filename, __dirname) {' },
  footer: { js: '})' },
};
await build({
  ...common,
  ...loadedByBin,
  entryPoints: ['src/main-all.ts'],
  outfile: 'dist/ctk-installer-all.cjs',
});
await build({
  ...common,
  ...loadedByBin,
  entryPoints: ['src/main-engines.ts'],
  outfile: 'dist/ctk-installer-engines.cjs',
});
await build({ ...common, entryPoints: ['src/index.ts'], outfile: 'dist/index.cjs' });
chmodSync('dist/ctk-installer.cjs', 0o755);
// The addon (src/host/native.ts: flock(2) and sha256; without it flock(1) and a JavaScript hash are used).
const native = spawnSync('bash', ['scripts/build-native.sh'], { stdio: 'inherit' });
if (native.status !== 0) process.exit(native.status ?? 1);
