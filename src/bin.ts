/**
 * The executable (dist/ctk-installer.cjs): picks the bundle a command line needs and runs it from a V8 code
 * cache. An engine command (`docker|containerd|crio …`, `runtime configure`, or a link named docker, containerd
 * or crio) loads dist/ctk-installer-engines.cjs, half the size of the full dist/ctk-installer-all.cjs.
 *
 * The cache holds the bundle's compiled code after a whole run (V8's cache made at exit includes every
 * function that ran, unlike one made at compile time, which is what Node's module.enableCompileCache keeps),
 * so a later start neither parses nor compiles it: one mechanism for Node 20 and 24. It lives beside the
 * bundle, written by the first run of each Node version and V8 flag set (a stale or foreign one is rejected by
 * V8 and rewritten), tmp file + rename; where that directory is read-only, there is simply no cache. Only who
 * can already replace the bundle can write there.
 *
 * This file imports nothing of the CLI: it must stay small (it is compiled on every start).
 */
import { readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { basename, join } from 'node:path';
import { Script } from 'node:vm';

const ENGINE_PERSONAS = ['docker', 'containerd', 'crio'];
const OTHER_PERSONAS = ['toolkit', 'nvidia-toolkit'];
const ENGINE_COMMANDS = [...ENGINE_PERSONAS, 'runtime'];

/**
 * Same rules as src/cli.ts: a link named like an engine CLI, or an engine command as the first word (a flag's
 * value in front of it, as in `--log-format json containerd`, makes this the full CLI, which runs it too).
 */
function isEngineCommand(argv: readonly string[]): boolean {
  const invokedAs = basename(argv[1] ?? '').replace(/\.(c?js|mjs)$/, '');
  if (ENGINE_PERSONAS.includes(invokedAs)) return true;
  if (OTHER_PERSONAS.includes(invokedAs)) return false;
  const first = argv.slice(2).find((a) => !a.startsWith('-'));
  return first !== undefined && ENGINE_COMMANDS.includes(first);
}

/** FNV-1a of what V8 checks the cache against besides the source: version, arch and V8 flags. */
function cacheKey(): string {
  const s = `${process.version} ${process.arch} ${process.execArgv.join(' ')} ${process.env.NODE_OPTIONS ?? ''}`;
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 0x01000193) >>> 0;
  return h.toString(16);
}

function load(file: string): void {
  const cacheFile = join(__dirname, `.${basename(file)}.${cacheKey()}.v8cache`);
  let cachedData: Buffer | undefined;
  try {
    cachedData = readFileSync(cacheFile);
  } catch {
    cachedData = undefined;
  }
  // the bundle is already one function expression (scripts/build.mjs): compiled as read, no copy of it is made
  const script = new Script(readFileSync(file, 'utf8'), { filename: file, cachedData });
  if (cachedData === undefined || script.cachedDataRejected) {
    process.once('exit', () => {
      const tmp = `${cacheFile}.${process.pid}.tmp`;
      try {
        writeFileSync(tmp, script.createCachedData(), { mode: 0o644 });
        renameSync(tmp, cacheFile);
      } catch {
        try {
          unlinkSync(tmp);
        } catch {
          // nothing was written
        }
      }
    });
  }
  const mod = { exports: {}, filename: file, id: file };
  script.runInThisContext()(mod.exports, createRequire(file), mod, file, __dirname);
}

load(join(__dirname, isEngineCommand(process.argv) ? 'ctk-installer-engines.cjs' : 'ctk-installer-all.cjs'));
