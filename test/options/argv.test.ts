/**
 * The engine commands' own parser (src/options/argv.ts) against the commander path it replaces: for random
 * command lines and environments over the runtime option table, whenever it takes a line it must resolve the
 * same operation (every typed option, the global flags) or refuse it with the same message as commander's path.
 */
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { CommanderError } from 'commander';
import fc from 'fast-check';
import { createProgram } from '../../src/cli';
import { setExplicitBools } from '../../src/commands/context';
import {
  type EngineInvocation,
  engineArgvCommands,
  engineCommand,
  engineInvocation,
  registerEngineCommands,
} from '../../src/commands/engine-cli';
import { CtkError } from '../../src/errors';
import { createLogger, setLogSink } from '../../src/log';
import { parseArgv } from '../../src/options/argv';
import { rewriteBoolArgs } from '../../src/options/option-spec';

const quiet = createLogger({ write: () => {} });

type Outcome =
  | { ok: true; invocation: EngineInvocation; debug: boolean; logFormat: string }
  | { ok: false; message: string };

const failure = (err: unknown): Outcome => {
  if (err instanceof CtkError || err instanceof CommanderError) return { ok: false, message: err.message };
  throw err;
};

/** What src/cli.ts's commander path makes of the command line (the action captured instead of run). */
async function viaCommander(args: string[], env: NodeJS.ProcessEnv): Promise<Outcome> {
  let seen: Outcome | undefined;
  const program = createProgram('ctk-installer', () => {}).configureOutput({
    writeErr: () => {},
    writeOut: () => {},
    outputError: () => {},
  });
  registerEngineCommands(
    program,
    async (invocation) => {
      const g = program.opts() as { debug?: boolean; logFormat: string };
      seen = { ok: true, invocation, debug: g.debug === true, logFormat: g.logFormat };
    },
    env,
  );
  // the commander path logs the warnings of nvidia-ctk's compatibility flags on stderr: keep the test output clean
  const logSink = setLogSink(() => {});
  try {
    const { argv, explicit } = rewriteBoolArgs(args, engineCommand.specs);
    setExplicitBools(explicit);
    await program.parseAsync(argv, { from: 'user' });
  } catch (err) {
    return failure(err);
  } finally {
    setLogSink(logSink);
    setExplicitBools(new Map());
  }
  assert.ok(seen, 'commander ran no engine command');
  return seen;
}

/** What src/options/argv.ts makes of it: undefined when it leaves the line to commander. */
function direct(args: string[], env: NodeJS.ProcessEnv): Outcome | undefined {
  try {
    const p = parseArgv(args, engineArgvCommands());
    if (p === undefined) return undefined;
    const invocation = engineInvocation(p.command.path, p, p.operands, env, p.explicitBools, quiet);
    return { ok: true, invocation, debug: p.debug, logFormat: p.logFormat };
  } catch (err) {
    return failure(err);
  }
}

const ALL_SPECS = engineCommand.specs;
const VALUES = [
  'none',
  'signal',
  'systemd',
  'hook',
  'config',
  'json',
  'text',
  'docker',
  'crio',
  'containerd',
];
const value = fc.oneof(
  {
    weight: 10,
    arbitrary: fc.constantFrom(
      ...VALUES,
      '0',
      '12',
      'x1',
      '',
      'a,b, c',
      'true',
      'false',
      'T',
      'maybe',
      '/etc/x.toml',
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom('-', '--debug', '-h', '--config', '--log-format') },
  { weight: 3, arbitrary: fc.stringMatching(/^[a-z/.,=]{0,6}$/) },
);
const flagName = fc.oneof(
  { weight: 12, arbitrary: fc.constantFrom(...ALL_SPECS.flatMap((s) => [s.flag, ...(s.aliases ?? [])])) },
  { weight: 1, arbitrary: fc.constantFrom('debug', 'log-format', 'help', 'no-such-flag') },
);
const token = fc.oneof(
  { weight: 4, arbitrary: fc.tuple(flagName, value).map(([f, v]) => [`--${f}`, v]) },
  { weight: 3, arbitrary: fc.tuple(flagName, value).map(([f, v]) => [`--${f}=${v}`]) },
  { weight: 2, arbitrary: flagName.map((f) => [`--${f}`]) },
  { weight: 2, arbitrary: fc.constantFrom(['/usr/bin'], ['/opt/nvidia'], ['help']) },
  // repeated lists and aliases: lists add up, the flag wins over its aliases
  {
    weight: 2,
    arbitrary: fc.constantFrom(
      ['--nvidia-container-runtime-modes.cdi.annotation-prefixes', 'a, b'],
      ['--nvidia-container-runtime-modes.cdi.annotation-prefixes=c'],
      ['--runtime-name', 'n1'],
      ['--runtime-class=n2'],
      ['--nvidia-runtime-name', 'n3'],
    ),
  },
  { weight: 1, arbitrary: fc.constantFrom(['--'], ['-h'], ['-x'], ['--log-format', 'json'], ['--debug']) },
);
const commandWords = fc.constantFrom(
  ['docker', 'setup'],
  ['containerd', 'setup'],
  ['containerd', 'cleanup'],
  ['crio', 'setup'],
  ['crio', 'cleanup'],
  ['runtime', 'configure'],
  ['runtime', 'setup'],
  ['toolkit', 'install'],
);
const line = fc
  .tuple(
    fc.array(fc.constantFrom(['--debug'], ['--log-format', 'json'], ['--log-format=text']), { maxLength: 1 }),
    commandWords,
    fc.array(token, { maxLength: 6 }),
  )
  .map(([pre, words, rest]) => [...pre.flat(), ...words, ...rest.flat()]);
const ENV_NAMES = [...new Set(ALL_SPECS.flatMap((s) => s.env ?? []))];
const environment = fc
  .array(fc.tuple(fc.constantFrom(...ENV_NAMES), value), { maxLength: 5 })
  .map((pairs) => Object.fromEntries(pairs) as NodeJS.ProcessEnv);

describe('engine command lines without commander', () => {
  test('resolve what the commander path resolves, or fail with its message', async () => {
    let taken = 0;
    let runs = 0;
    await fc.assert(
      fc.asyncProperty(line, environment, async (args, env) => {
        runs++;
        const mine = direct(args, env);
        if (mine === undefined) return;
        taken++;
        assert.deepEqual(mine, await viaCommander(args, env), `argv ${JSON.stringify(args)}`);
      }),
      { seed: 11, numRuns: 3000 },
    );
    // the generator must reach the parser's success and failure paths, not only its hand-offs
    assert.ok(taken > runs / 5, `only ${taken} of ${runs} command lines taken`);
  });

  test('the plain lines of the README and the DaemonSet are taken', () => {
    for (const args of [
      [
        'containerd',
        'setup',
        '--restart-mode',
        'none',
        '--config',
        '/etc/containerd/config.toml',
        '/usr/bin',
      ],
      ['docker', 'cleanup', '--socket=/run/docker.sock', '/usr/local/nvidia/toolkit'],
      ['crio', 'setup', '--set-as-default=false', '--hooks-dir', '/h', '/x'],
      ['--log-format', 'json', 'runtime', 'configure', '--runtime=containerd', '--dry-run'],
    ])
      assert.ok(parseArgv(args, engineArgvCommands()), JSON.stringify(args));
  });

  test('help, unknown options and `--` are left to commander', () => {
    for (const args of [
      ['containerd', 'setup', '--help'],
      ['containerd', 'setup', '-h'],
      ['containerd', 'setup', '--no-such-flag', '/x'],
      ['docker', 'setup', '--hooks-dir', '/h', '/x'],
      ['containerd', 'setup', '--', '/x'],
      ['containerd', 'setup', '--config', '--debug', '/x'],
      ['containerd'],
      ['toolkit', 'install', '/x'],
    ])
      assert.equal(parseArgv(args, engineArgvCommands()), undefined, JSON.stringify(args));
  });
});
