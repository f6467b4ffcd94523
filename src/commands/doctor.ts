/**
 * `doctor`: says why GPU containers do or do not start on this node. Read-only: it never writes a file and
 * never signals or restarts anything. Exit 0 when no check fails, 1 when one does.
 */
import type { Command } from 'commander';
import type { EngineName } from '../engines/types';
import { VerifyError } from '../errors';
import { DOCTOR_SPECS } from '../options/doctor-options';
import { addOptions, resolveOptions } from '../options/option-spec';
import { contextFor } from './context';
import type { CommandModule } from './registry';

export const doctorCommand: CommandModule = {
  names: ['doctor'],
  specs: DOCTOR_SPECS,
  register(program: Command): void {
    const cmd = program
      .command('doctor')
      .description(
        'check what is configured, what the engine really runs, and what is wrong (changes nothing)',
      );
    addOptions(cmd, DOCTOR_SPECS);
    cmd.action(async (_opts: unknown, self: Command) => {
      const ctx = contextFor(self);
      const v = resolveOptions(self, DOCTOR_SPECS, ctx.env, ctx.explicitBools).values;
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
