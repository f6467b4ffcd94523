/**
 * `cdi generate` (discover the driver and print or write a CDI spec) and `cdi validate FILE...` (check specs
 * against the CDI rules). The CDI code, and the yaml package with it, is loaded inside the actions only.
 */
import { readFileSync } from 'node:fs';
import type { Command } from 'commander';
import { ConfigError, HostError, UsageError } from '../errors';
import { CDI_GENERATE_SPECS } from '../options/cdi-options';
import { addOptions, resolveOptions } from '../options/option-spec';
import { contextFor } from './context';
import type { CommandModule } from './registry';

type Format = 'yaml' | 'json';

function pickFormat(flag: string | undefined, output: string | undefined, warn: (m: string) => void): Format {
  const fromExt =
    output === undefined
      ? undefined
      : /\.json$/i.test(output)
        ? 'json'
        : /\.ya?ml$/i.test(output)
          ? 'yaml'
          : undefined;
  if (output !== undefined && !/\.(json|yaml)$/i.test(output)) {
    warn(`CDI registries only load *.json and *.yaml files; ${output} will not be seen by container engines`);
  }
  if (flag !== undefined && fromExt !== undefined && flag !== fromExt) {
    throw new UsageError(`--format ${flag} contradicts the extension of --output ${output}`);
  }
  return (flag as Format | undefined) ?? fromExt ?? 'yaml';
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' && v !== '' ? v : undefined;
}

async function generateAction(cmd: Command): Promise<void> {
  const ctx = contextFor(cmd);
  const { values: v } = resolveOptions(cmd, CDI_GENERATE_SPECS, ctx.env, ctx.explicitBools);
  const output = str(v.output);
  const format = pickFormat(str(v.format), output, (m) => ctx.logger.warn(m));
  const { generateSpec } = await import('../cdi/generate');
  const { nodeHostFs } = await import('../host/host-fs');
  const spec = generateSpec(
    {
      driverRoot: str(v.driverRoot),
      devRoot: str(v.devRoot),
      procRoot: str(v.procRoot),
      hostDriverRoot: str(v.hostDriverRoot),
      hostDevRoot: str(v.hostDevRoot),
      vendor: str(v.vendor),
      class: str(v.class),
      mode: str(v.mode) as 'gpu' | 'management' | undefined,
      deviceNameStrategy: str(v.deviceNameStrategy) as 'index' | 'uuid' | 'both' | undefined,
      nvidiaCdiHookPath: str(v.nvidiaCdiHookPath),
      ldconfigPath: str(v.ldconfigPath),
      logger: ctx.logger,
    },
    nodeHostFs(),
  );
  if (output === undefined) {
    const { renderSpec } = await import('../cdi/render');
    ctx.stdout(renderSpec(spec, format));
    return;
  }
  const { writeSpec } = await import('../cdi/write-spec');
  const written = writeSpec(output, spec, format);
  ctx.logger.info('Generated CDI spec', {
    file: written.path,
    kind: spec.kind,
    devices: spec.devices.length,
    cdiVersion: spec.cdiVersion,
  });
}

function readSpecFile(file: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new HostError(
      `${file}: cannot read: ${code === 'ENOENT' ? 'no such file' : (code ?? String(err))}`,
      { file },
    );
  }
}

async function validateAction(files: readonly string[], cmd: Command): Promise<void> {
  const ctx = contextFor(cmd);
  const { parseSpecText } = await import('../cdi/render');
  const { validateSpec, formatProblem } = await import('../cdi/validate');
  const bad: string[] = [];
  let count = 0;
  for (const file of files) {
    if (!/\.(json|yaml)$/i.test(file))
      ctx.logger.warn(`CDI registries only load *.json and *.yaml files; ${file} would be ignored`);
    let lines: string[];
    let doc: unknown;
    try {
      doc = parseSpecText(readSpecFile(file), file);
      lines = validateSpec(doc).map((p) => `${file}: ${formatProblem(p)}`);
    } catch (err) {
      if (!(err instanceof ConfigError)) throw err;
      lines = [err.message]; // already `file:line:col: message`
    }
    if (lines.length === 0) {
      const spec = doc as { kind: string; cdiVersion: string; devices: unknown[] };
      ctx.stdout(
        `${file}: valid (kind ${spec.kind}, cdiVersion ${spec.cdiVersion}, ${spec.devices.length} devices)\n`,
      );
      continue;
    }
    bad.push(file);
    count += lines.length;
    for (const line of lines) ctx.stdout(`${line}\n`);
  }
  if (bad.length === 1)
    throw new ConfigError(bad[0]!, `invalid CDI spec (${count} problem${count === 1 ? '' : 's'})`);
  if (bad.length > 1) {
    throw new ConfigError(
      bad[0]!,
      `invalid CDI spec, and ${bad.length - 1} more invalid file(s) (${count} problems in all)`,
    );
  }
}

export const cdiCommand: CommandModule = {
  names: ['cdi'],
  specs: CDI_GENERATE_SPECS,
  register(program: Command): void {
    const cdi = program
      .command('cdi')
      .description('generate and validate CDI (Container Device Interface) specs');
    const generate = cdi
      .command('generate')
      .description('discover NVIDIA devices and driver files and write a CDI spec (stdout by default)');
    addOptions(generate, CDI_GENERATE_SPECS);
    generate.action(async (_opts: unknown, cmd: Command) => generateAction(cmd));
    cdi
      .command('validate')
      .description('check CDI spec files against the CDI specification rules')
      .argument('<file...>', 'spec files (.yaml or .json)')
      .action(async (files: string[], _opts: unknown, cmd: Command) => validateAction(files, cmd));
  },
};
