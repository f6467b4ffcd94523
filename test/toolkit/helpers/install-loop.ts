/**
 * Child process for the SIGKILL test: installs the toolkit over and over, alternating two artifact sets, until
 * it is killed. Prints `ready` once the loop is about to start. Argument: a JSON object
 * `{root, sources: [a, b], modules, start}`.
 */

import { TOOLKIT_COMMAND_SPECS } from '../../../src/options/toolkit-options';
import { installToolkit } from '../../../src/toolkit/install';
import { toolkitOptionsFrom } from '../../../src/toolkit/options';

interface Job {
  readonly root: string;
  readonly sources: readonly string[];
  readonly modules: string;
  /** Index of the first variant to install. */
  readonly start: number;
}

async function main(): Promise<void> {
  const job = JSON.parse(process.argv[2] ?? '{}') as Job;
  const optionsFor = (source: string) => {
    const values: Record<string, unknown> = {};
    const sources: Record<string, 'cli' | 'default'> = {};
    for (const s of TOOLKIT_COMMAND_SPECS) {
      values[s.name] = s.default;
      sources[s.name] = 'default';
    }
    Object.assign(values, {
      toolkitRoot: job.root,
      toolkitSourceRoot: source,
      driverRootCtrPath: '/nonexistent',
    });
    return toolkitOptionsFrom({ values, sources } as Parameters<typeof toolkitOptionsFrom>[0], {
      procModulesPath: job.modules,
    });
  };
  const variants = job.sources.map(optionsFor);
  process.stdout.write('ready\n');
  for (let i = job.start; ; i++) await installToolkit(variants[i % variants.length]!);
}

main().catch((err: unknown) => {
  process.stderr.write(`${String(err)}\n`);
  process.exit(1);
});
