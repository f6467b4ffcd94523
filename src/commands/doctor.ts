/**
 * `doctor`: says why GPU containers do or do not start on this node. Read-only: it never writes a file and
 * never signals or restarts anything. Exit 0 when no check fails, 1 when one does.
 */
import type { Command } from 'commander';
import { ENGINE_NAMES } from '../engines/presets';
import type { EngineName } from '../engines/types';
import { VerifyError } from '../errors';
import { addOptions, type OptionSpec, resolveOptions } from '../options/option-spec';
import { contextFor } from './context';
import type { CommandModule } from './registry';

const specs: OptionSpec[] = [
  {
    name: 'runtime',
    flag: 'runtime',
    kind: 'string',
    description: 'the engine to examine; auto: every engine that answers on its default socket',
    default: 'auto',
    choices: ['auto', ...ENGINE_NAMES],
  },
  {
    name: 'output',
    flag: 'output',
    kind: 'string',
    description: 'text (a table) or json (schema ctk-installer/doctor/v1)',
    default: 'text',
    choices: ['text', 'json'],
  },
  {
    name: 'hostRoot',
    flag: 'host-root',
    kind: 'string',
    description: "where the host's filesystem is mounted (paths in configs and specs are read under it)",
    default: '/',
  },
  {
    name: 'config',
    flag: 'config',
    kind: 'string',
    description: "the engine's config file (default: the engine's own)",
  },
  {
    name: 'socket',
    flag: 'socket',
    kind: 'string',
    description: "the engine's socket (default: the engine's own)",
  },
  {
    name: 'cdiSpecDirs',
    flag: 'cdi-spec-dir',
    kind: 'list',
    description:
      "CDI spec directory to check (repeatable; default: the engine's, else /etc/cdi and /var/run/cdi)",
    default: [],
  },
  {
    name: 'timeout',
    flag: 'timeout',
    kind: 'int',
    description: 'milliseconds to wait for each answer from an engine',
    default: 5000,
  },
];

export const doctorCommand: CommandModule = {
  names: ['doctor'],
  specs,
  register(program: Command): void {
    const cmd = program
      .command('doctor')
      .description(
        'check what is configured, what the engine really runs, and what is wrong (changes nothing)',
      );
    addOptions(cmd, specs);
    cmd.action(async (_opts: unknown, self: Command) => {
      const ctx = contextFor(self);
      const v = resolveOptions(self, specs, ctx.env, ctx.explicitBools).values;
      const { gatherFacts } = await import('../doctor/gather');
      const { evaluate } = await import('../doctor/evaluate');
      const { jsonReport, textReport } = await import('../doctor/report');
      const facts = await gatherFacts({
        runtime: v.runtime as 'auto' | EngineName,
        ...(v.config !== undefined ? { config: String(v.config) } : {}),
        ...(v.socket !== undefined ? { socket: String(v.socket) } : {}),
        hostRoot: String(v.hostRoot),
        timeoutMs: Number(v.timeout),
        cdiSpecDirs: v.cdiSpecDirs as readonly string[],
      });
      const checks = evaluate(facts);
      ctx.stdout(
        v.output === 'json'
          ? jsonReport(facts, checks)
          : textReport(checks, process.stdout.isTTY === true && ctx.env.NO_COLOR === undefined),
      );
      const failed = checks.filter((c) => c.status === 'fail');
      if (failed.length > 0)
        throw new VerifyError(
          `doctor: ${failed.length} check(s) failed: ${failed.map((c) => c.id).join(', ')}`,
        );
    });
  },
};
