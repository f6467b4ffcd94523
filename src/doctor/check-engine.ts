/** Checks about the engine itself and the files it reads (pure: facts in, checks out). */
import { resolve } from 'node:path';
import type { Check, ConfigFileFact, EngineFacts } from './types';

const via = (f: ConfigFileFact) =>
  f.via === 'main' ? 'main' : 'import' in f.via ? `import ${JSON.stringify(f.via.import)}` : 'drop-in';

export function engineCheck(e: EngineFacts): Check {
  const base = { id: 'engine', engine: e.engine };
  if (!e.live.reachable)
    return {
      ...base,
      status: 'fail',
      summary: `${e.engine} does not answer on ${e.socket}`,
      evidence: [e.live.error, `config: ${e.config}`],
      fix: `start ${e.engine}, or point --socket at the socket it listens on`,
    };
  const l = e.live;
  return {
    ...base,
    status: 'ok',
    summary: `${e.engine} ${l.version || '(version unknown)'} answers on ${e.socket}${l.pid ? ` (pid ${l.pid})` : ''}`,
    evidence: [
      `found by ${e.chosenBy === 'flag' ? '--runtime' : e.chosenBy}`,
      ...(l.startedMs ? [`started ${new Date(l.startedMs).toISOString()}`] : []),
    ],
  };
}

/** The file the running daemon reads versus the file we were asked about (two engines, or a custom --config). */
export function engineConfigCheck(e: EngineFacts): Check | undefined {
  if (!e.live.reachable) return undefined;
  const base = { id: 'engine-config', engine: e.engine };
  const reads = e.live.readsConfig;
  if (reads === undefined)
    return {
      ...base,
      status: 'warn',
      summary: `cannot see ${e.engine}'s command line (no host PID namespace?); assuming it reads ${e.config}`,
      evidence: [],
    };
  if (resolve(reads) === resolve(e.config))
    return {
      ...base,
      status: 'ok',
      summary: `${e.engine} (pid ${e.live.pid}) reads ${e.config}`,
      evidence: [],
    };
  return {
    ...base,
    status: 'fail',
    summary: `${e.engine} (pid ${e.live.pid}) reads ${reads}, not ${e.config}`,
    evidence: [
      `its command line names ${reads} (or it is the built-in default)`,
      `checked file: ${e.config}`,
    ],
    fix: `configure the file the daemon reads: --config ${reads}`,
  };
}

export function configFilesCheck(e: EngineFacts): Check {
  const base = { id: 'config-files', engine: e.engine };
  const evidence = e.files.map((f) => {
    if (!f.exists) return `${f.path} (${via(f)}): does not exist`;
    if (f.error) return `${f.path} (${via(f)}): ${f.error}`;
    const names = f.runtimes.map((r) => r.name);
    return `${f.path} (${via(f)}): runtimes ${names.length ? names.join(', ') : '(none)'}${
      f.defaultRuntime ? `; default ${f.defaultRuntime}` : ''
    }`;
  });
  const broken = e.files.filter((f) => f.error !== undefined);
  if (broken.length > 0)
    return {
      ...base,
      status: 'fail',
      summary: `${broken.map((f) => f.path).join(', ')}: ${broken[0]!.error}`,
      evidence,
      fix: `fix the file: ${e.engine} refuses to start with it`,
    };
  return { ...base, status: 'ok', summary: `${e.files.length} file(s) in effect`, evidence };
}

export function importsCheck(e: EngineFacts): Check | undefined {
  if (e.engine === 'docker') return undefined;
  const base = { id: 'imports', engine: e.engine };
  const fails = e.importProblems.filter((p) => p.kind === 'not-imported' || !/[*?[]/.test(p.entry));
  const evidence = e.importProblems.map((p) =>
    p.kind === 'not-imported'
      ? `${p.entry} declares ${p.declares.join(', ')} but ${e.engine} does not read it (${p.detail})`
      : `import ${JSON.stringify(p.entry)} resolves to ${p.detail}, which ${/[*?[]/.test(p.entry) ? 'matches no file' : 'does not exist'}${
          p.entry.startsWith('/')
            ? ''
            : " (a relative import is resolved against the importing file's directory)"
        }${/[*?[]/.test(p.entry) ? '' : `: ${e.engine} refuses to start until it does`}`,
  );
  if (fails.length === 0)
    return {
      ...base,
      status: e.importProblems.length ? 'warn' : 'ok',
      summary: e.importProblems.length ? evidence[0]! : 'every import and drop-in resolves',
      evidence,
    };
  const first = fails[0]!;
  return {
    ...base,
    status: 'fail',
    summary: evidence[e.importProblems.indexOf(first)]!,
    evidence,
    fix:
      first.kind === 'not-imported'
        ? e.engine === 'crio'
          ? `move ${first.entry} into ${first.detail.replace(/^cri-o reads drop-ins from /, '')}`
          : `add ${JSON.stringify(first.entry)} (or a glob matching it) to imports in ${e.config}, as the host names it`
        : `make the import name an existing file (an absolute host path is safest)`,
  };
}
