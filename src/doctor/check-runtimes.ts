/** Checks about the NVIDIA runtime entries: declared in the files, loaded by the engine, CDI (pure). */
import { atLeast, cdiInFiles, effectiveRuntimes } from './effective';
import type { Check, EngineFacts } from './types';

const when = (ms: number | undefined) => (ms === undefined ? 'an unknown time' : new Date(ms).toISOString());

function configureHint(e: EngineFacts): string {
  return `ctk-installer runtime configure --runtime=${e.engine} --config=${e.config}`;
}

export function runtimesDeclaredCheck(e: EngineFacts): Check {
  const base = { id: 'runtimes-declared', engine: e.engine };
  const { runtimes, hidden } = effectiveRuntimes(e);
  const evidence = runtimes.map((r) => `${r.name} → ${r.binary || '(no binary)'} in ${r.file}`);
  if (hidden.length > 0) {
    const h = hidden[0]!;
    return {
      ...base,
      status: 'fail',
      summary: `${hidden.map((x) => x.name).join(', ')} in ${h.file} is hidden: ${h.by} replaces the whole CRI plugin table`,
      evidence: [
        ...evidence,
        'containerd before 2.1 takes each plugin table from the last file that sets it',
      ],
      fix: `declare the NVIDIA runtimes in ${h.by} (or in a drop-in imported after it)`,
    };
  }
  if (runtimes.length === 0)
    return {
      ...base,
      status: 'fail',
      summary: `no NVIDIA runtime is declared in the files ${e.engine} reads`,
      evidence: e.files.map((f) => f.path),
      fix: configureHint(e),
    };
  return {
    ...base,
    status: 'ok',
    summary: runtimes.map((r) => `${r.name} (${r.file})`).join(', '),
    evidence,
  };
}

export function runtimesLoadedCheck(e: EngineFacts): Check | undefined {
  if (!e.live.reachable) return undefined;
  const base = { id: 'runtimes-loaded', engine: e.engine };
  const live = e.live.runtimes;
  if (live === undefined)
    return {
      ...base,
      status: 'warn',
      summary: `${e.engine} does not report its runtime handlers; cannot tell whether it loaded them`,
      evidence: [],
    };
  const { runtimes } = effectiveRuntimes(e);
  const missing = runtimes.filter((r) => live[r.name] === undefined);
  const differ = runtimes.filter(
    (r) => live[r.name] !== undefined && r.binary !== '' && live[r.name] !== r.binary,
  );
  const stale = Object.keys(live).filter(
    (n) => n.startsWith('nvidia') && !runtimes.some((r) => r.name === n),
  );
  const evidence = [
    ...missing.map((r) => `${r.name}: declared in ${r.file} (modified ${when(r.mtimeMs)}), not loaded`),
    ...differ.map((r) => `${r.name}: the file says ${r.binary}, the engine runs ${live[r.name]}`),
    ...stale.map((n) => `${n}: loaded (${live[n]}) but no longer in the files`),
  ];
  if (missing.length + differ.length === 0)
    return {
      ...base,
      status: stale.length ? 'warn' : 'ok',
      summary: stale.length
        ? `${e.engine} still runs ${stale.join(', ')}, which the files no longer declare (not restarted since)`
        : `${e.engine} loaded ${runtimes.map((r) => r.name).join(', ') || 'no NVIDIA runtime'}`,
      evidence,
    };
  const newest = Math.max(...[...missing, ...differ].map((r) => r.mtimeMs ?? 0));
  const startedMs = e.live.startedMs;
  const reload = e.engine === 'docker' ? 'reloaded' : 'restarted';
  const since =
    startedMs !== undefined && e.engine !== 'docker'
      ? `${e.engine} (pid ${e.live.pid}) started ${when(startedMs)}, before the change at ${when(newest)}`
      : `the engine was not ${reload} since ${when(newest)}`;
  return {
    ...base,
    status: 'fail',
    summary: `${[...missing, ...differ].map((r) => r.name).join(', ')} declared in the file but not loaded: ${since}`,
    evidence,
    fix:
      e.engine === 'docker'
        ? 'reload dockerd: systemctl reload docker (or kill -HUP $(pidof dockerd))'
        : `restart ${e.engine}: systemctl restart ${e.engine}`,
  };
}

/** Docker 25+ and containerd 1.7+ have CDI; nvidia-cdi itself needs none, but devices requested by CDI name do. */
function cdiSupport(e: EngineFacts): boolean | undefined {
  if (!e.live.reachable) return undefined;
  if (e.engine === 'docker') return atLeast(e.live.version, 25, 0);
  if (e.engine === 'containerd') return atLeast(e.live.version, 1, 7);
  return true;
}

export function cdiEngineCheck(e: EngineFacts): Check {
  const base = { id: 'cdi-engine', engine: e.engine };
  const files = cdiInFiles(e);
  const withCdi = effectiveRuntimes(e).runtimes.some((r) => r.name === 'nvidia-cdi');
  const supported = cdiSupport(e);
  const live = e.live.reachable ? e.live.cdiEnabled : undefined;
  const enabled = live ?? (supported === false ? false : files.enabled);
  const evidence = [
    files.file ? `${files.file} sets CDI ${files.enabled ? 'on' : 'off'}` : 'no file sets CDI',
    live === undefined ? `${e.engine} does not report CDI` : `${e.engine} reports CDI ${live ? 'on' : 'off'}`,
  ];
  if (files.enabled && !enabled) {
    const why =
      supported === false && e.live.reachable
        ? `${e.engine} ${e.live.version} has no CDI support; the setting in ${files.file} is ignored`
        : `${files.file} enables CDI but ${e.engine} has it off (not restarted since?)`;
    return {
      ...base,
      status: 'fail',
      summary: `CDI is disabled in ${e.engine}${withCdi ? ' while nvidia-cdi is configured' : ''}: ${why}`,
      evidence,
      fix:
        supported === false
          ? `upgrade ${e.engine} (${e.engine === 'docker' ? '25' : '1.7'} or later) for CDI device requests`
          : `restart ${e.engine}`,
    };
  }
  if (withCdi && !enabled)
    return {
      ...base,
      status: 'warn',
      summary: `nvidia-cdi is configured but CDI is off in ${e.engine}: only the nvidia-cdi runtime resolves CDI devices`,
      evidence,
      fix:
        supported === false
          ? `${e.engine} ${e.live.reachable ? e.live.version : ''} has no CDI; upgrade it to resolve CDI device names`
          : `to let ${e.engine} resolve CDI device names itself: ${configureHint(e)} --cdi.enabled`,
    };
  return {
    ...base,
    status: 'ok',
    summary: `CDI ${enabled ? 'enabled' : 'disabled'} in ${e.engine}`,
    evidence,
  };
}
