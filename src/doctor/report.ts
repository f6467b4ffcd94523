/**
 * The two faces of a doctor report (pure): a short table for people, one line per check (colour only on a
 * terminal), and a versioned JSON document for tools. JSON schema `ctk-installer/doctor/v1`:
 *   { schema, ok, counts: {ok, warn, fail}, engines: [{engine, config, socket, reachable, version?, pid?,
 *     files: [{path, via, exists, error?, runtimes: [{name, binary}]}]}], checks: [{id, engine?, status,
 *     summary, evidence: [string], fix?}] }
 * Fields are only ever added within v1; a rename or removal gets v2.
 */
import type { Check, NodeFacts, Status } from './types';

export const SCHEMA = 'ctk-installer/doctor/v1';

export function counts(checks: readonly Check[]): Record<Status, number> {
  const c: Record<Status, number> = { ok: 0, warn: 0, fail: 0 };
  for (const x of checks) c[x.status]++;
  return c;
}

export function jsonReport(facts: NodeFacts, checks: readonly Check[]): string {
  const c = counts(checks);
  const doc = {
    schema: SCHEMA,
    ok: c.fail === 0,
    counts: c,
    engines: facts.engines.map((e) => ({
      engine: e.engine,
      config: e.config,
      socket: e.socket,
      reachable: e.live.reachable,
      ...(e.live.reachable ? { version: e.live.version, ...(e.live.pid ? { pid: e.live.pid } : {}) } : {}),
      files: e.files.map((f) => ({
        path: f.path,
        via: f.via,
        exists: f.exists,
        ...(f.error ? { error: f.error } : {}),
        runtimes: f.runtimes,
      })),
    })),
    checks: checks.map((x) => ({
      id: x.id,
      ...(x.engine ? { engine: x.engine } : {}),
      status: x.status,
      summary: x.summary,
      evidence: x.evidence,
      ...(x.fix ? { fix: x.fix } : {}),
    })),
  };
  return `${JSON.stringify(doc, null, 2)}\n`;
}

const COLOUR: Record<Status, string> = { ok: '\x1b[32m', warn: '\x1b[33m', fail: '\x1b[31m' };

export function textReport(checks: readonly Check[], colour: boolean): string {
  const idWidth = Math.max(5, ...checks.map((c) => c.id.length));
  const engWidth = Math.max(6, ...checks.map((c) => (c.engine ?? '-').length));
  const paint = (s: Status) => {
    const label = s.toUpperCase().padEnd(4);
    return colour ? `${COLOUR[s]}${label}\x1b[0m` : label;
  };
  const lines = [`${'STAT'}  ${'CHECK'.padEnd(idWidth)}  ${'ENGINE'.padEnd(engWidth)}  SUMMARY`];
  for (const c of checks) {
    lines.push(
      `${paint(c.status)}  ${c.id.padEnd(idWidth)}  ${(c.engine ?? '-').padEnd(engWidth)}  ${c.summary}`,
    );
    if (c.status !== 'ok' && c.fix) lines.push(`${' '.repeat(idWidth + engWidth + 10)}fix: ${c.fix}`);
  }
  const n = counts(checks);
  lines.push(`${n.ok} ok, ${n.warn} warn, ${n.fail} fail`);
  return `${lines.join('\n')}\n`;
}
