/** Checks about our restore ledger: who set up what, and drift since (pure). */
import type { Check, EngineFacts } from './types';

export function ledgerCheck(e: EngineFacts): Check {
  const base = { id: 'ledger', engine: e.engine };
  const l = e.ledger;
  if (l.error)
    return {
      ...base,
      status: 'fail',
      summary: l.error,
      evidence: [l.path],
      fix: `move ${l.path} aside and run setup again (cleanup needs a readable ledger)`,
    };
  if (l.files.length === 0)
    return {
      ...base,
      status: 'ok',
      summary: `no ledger: ctk-installer has not set up ${e.config}`,
      evidence: [],
    };
  return {
    ...base,
    status: 'ok',
    summary: l.files.map((f) => `${f.owners.join('+')} set up ${f.path}`).join('; '),
    evidence: [l.path],
  };
}

export function driftCheck(e: EngineFacts): Check | undefined {
  const files = e.ledger.files;
  if (files.length === 0) return undefined;
  const base = { id: 'drift', engine: e.engine };
  const evidence = files.map((f) =>
    !f.exists
      ? `${f.path}: removed after setup`
      : f.lost.length
        ? `${f.path}: changed after setup; lost ${f.lost.join(', ')}`
        : f.unchanged
          ? `${f.path}: as setup wrote it`
          : `${f.path}: changed after setup; our entries intact`,
  );
  const bad = files.filter((f) => !f.exists || f.lost.length > 0);
  if (bad.length === 0)
    return { ...base, status: 'ok', summary: 'the files hold what setup wrote', evidence };
  return {
    ...base,
    status: 'fail',
    summary: `${bad.map((f) => f.path).join(', ')} ${bad.length > 1 ? 'were' : 'was'} overwritten after setup: our entries are gone or changed`,
    evidence,
    fix: 'run setup again (restart the toolkit DaemonSet pod), and find what rewrites the file (kubespray, Ansible, k3s)',
  };
}
