import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { Command } from 'commander';
import { parse } from 'yaml';
import { validateSpec } from '../../src/cdi/validate';
import { cdiCommand } from '../../src/commands/cdi';
import { ConfigError, CtkError, HostError, UsageError } from '../../src/errors';
import { setLogSink } from '../../src/log';
import { buildFixture, type Fixture, gpuList, uuidFor } from './fixture-tree';

/** Runs `ctk-installer <args>` with only the cdi module registered; stdout and stderr are captured. */
async function cli(args: string[]): Promise<{ out: string; err: string; error?: unknown }> {
  const program = new Command().exitOverride().configureOutput({ writeErr: () => {}, writeOut: () => {} });
  cdiCommand.register(program);
  let out = '';
  let err = '';
  const write = { out: process.stdout.write };
  // The test runner talks to its parent through this process's stdout with Buffers; only strings are ours.
  process.stdout.write = ((s: unknown, ...rest: unknown[]) => {
    if (typeof s !== 'string')
      return (write.out as (...a: unknown[]) => boolean).call(process.stdout, s, ...rest);
    out += s;
    return true;
  }) as typeof process.stdout.write;
  const logSink = setLogSink((s) => {
    err += s;
  });
  try {
    await program.parseAsync(args, { from: 'user' });
    return { out, err };
  } catch (error) {
    return { out, err, error };
  } finally {
    process.stdout.write = write.out;
    setLogSink(logSink);
  }
}

/** The CLI reads the tree through node:fs, so it needs real device nodes (mknod as root; CI always is). */
function needsNodes(t: { skip(msg: string): void }): boolean {
  if (f.realNodes) return false;
  t.skip('needs real device nodes (run as root)');
  return true;
}

function exitCode(error: unknown): number {
  if (error === undefined) return 0;
  if (error instanceof CtkError) return error.exitCode;
  return 2; // commander's own parse errors
}

let f: Fixture;

describe('ctk-installer cdi', () => {
  let out: string;
  const roots = () => ['--driver-root', f.driverRoot, '--proc-root', f.procRoot, '--host-driver-root', '/'];
  before(async () => {
    f = await buildFixture({ gpus: gpuList(2) });
    out = mkdtempSync(join(tmpdir(), 'ctk-cdi-out-'));
  });
  after(async () => {
    await f.cleanup();
    rmSync(out, { recursive: true, force: true });
  });

  test('generate prints YAML to stdout that parses back into a valid spec', async (t) => {
    if (needsNodes(t)) return;
    const r = await cli(['cdi', 'generate', ...roots()]);
    assert.equal(r.error, undefined);
    const spec = parse(r.out, { version: '1.1' });
    assert.deepEqual(validateSpec(spec), []);
    assert.deepEqual(
      spec.devices.map((d: { name: string }) => d.name),
      ['0', uuidFor(0), '1', uuidFor(1), 'all'],
    );
  });

  test('--format json, --vendor/--class, --device-name-strategy and --nvidia-cdi-hook-path reach the spec', async (t) => {
    if (needsNodes(t)) return;
    const r = await cli([
      'cdi',
      'generate',
      ...roots(),
      '--format',
      'json',
      '--vendor',
      'example.com',
      '--class',
      'accel',
      '--device-name-strategy',
      'uuid',
      '--nvidia-cdi-hook-path',
      '/opt/hook',
      '--ldconfig-path',
      '/sbin/ldconfig.real',
    ]);
    assert.equal(r.error, undefined);
    const spec = JSON.parse(r.out);
    assert.equal(spec.kind, 'example.com/accel');
    assert.deepEqual(
      spec.devices.map((d: { name: string }) => d.name),
      [uuidFor(0), uuidFor(1), 'all'],
    );
    assert.equal(spec.cdiVersion, '0.3.0', 'no digit-leading names, no hostPath');
    assert.ok(spec.containerEdits.hooks.every((h: { path: string }) => h.path === '/opt/hook'));
    assert.deepEqual(spec.containerEdits.hooks[1].args.slice(1, 4), [
      'update-ldcache',
      '--ldconfig-path',
      '/sbin/ldconfig.real',
    ]);
  });

  test('--output writes atomically, world-readable, format from the extension, nothing else left behind', async (t) => {
    if (needsNodes(t)) return;
    const file = join(out, 'nvidia.json');
    writeFileSync(file, 'old');
    chmodSync(file, 0o600);
    const r = await cli([
      'cdi',
      'generate',
      ...roots(),
      '--mode',
      'management',
      '--vendor',
      'management.nvidia.com',
      '--output',
      file,
    ]);
    assert.equal(r.error, undefined);
    assert.equal(r.out, '', 'nothing on stdout when writing a file');
    assert.match(
      r.err,
      /level=info msg="Generated CDI spec" file=\S+nvidia\.json kind=management\.nvidia\.com\/gpu devices=1/,
    );
    const spec = JSON.parse(readFileSync(file, 'utf8'));
    assert.deepEqual(
      spec.devices.map((d: { name: string }) => d.name),
      ['all'],
    );
    assert.deepEqual(spec.containerEdits.env, ['NVIDIA_VISIBLE_DEVICES=void']);
    assert.equal(statSync(file).mode & 0o777, 0o644);
    assert.deepEqual(readdirSync(out), ['nvidia.json']);
    const yamlFile = join(out, 'new', 'management.nvidia.com-gpu.yaml');
    assert.equal((await cli(['cdi', 'generate', ...roots(), '--output', yamlFile])).error, undefined);
    assert.equal(statSync(yamlFile).mode & 0o777, 0o644);
    assert.match(readFileSync(yamlFile, 'utf8'), /^cdiVersion: "0\.5\.0"\nkind: nvidia\.com\/gpu\n/);
  });

  test('usage errors exit 2: --format contradicting --output, unknown --mode and --device-name-strategy', async () => {
    for (const args of [
      ['--format', 'json', '--output', join(out, 'x.yaml')],
      ['--mode', 'nvml'],
      ['--device-name-strategy', 'type-index'],
      ['--vendor', 'nvidia..com-'],
    ]) {
      const r = await cli(['cdi', 'generate', ...roots(), ...args]);
      assert.ok(r.error instanceof UsageError, `${args.join(' ')}: ${String(r.error)}`);
      assert.equal(exitCode(r.error), 2);
    }
  });

  test('an output name CDI registries ignore is written but warned about', async (t) => {
    if (needsNodes(t)) return;
    const r = await cli(['cdi', 'generate', ...roots(), '--output', join(out, 'nvidia.yml')]);
    assert.equal(r.error, undefined);
    assert.match(r.err, /level=warning msg="CDI registries only load \*\.json and \*\.yaml files/);
  });

  test('no GPU: "no NVIDIA device nodes found", exit 1, no file written', async () => {
    const empty = await buildFixture({ gpus: [] });
    try {
      const file = join(out, 'none.yaml');
      const r = await cli([
        'cdi',
        'generate',
        '--driver-root',
        empty.driverRoot,
        '--proc-root',
        empty.procRoot,
        '--output',
        file,
      ]);
      assert.ok(r.error instanceof HostError);
      assert.equal(exitCode(r.error), 1);
      assert.match((r.error as Error).message, /^no NVIDIA device nodes found under /);
      assert.throws(() => statSync(file));
    } finally {
      await empty.cleanup();
    }
  });

  test('validate: valid files are listed, broken ones name file and field and exit 1', async (t) => {
    if (needsNodes(t)) return;
    const good = join(out, 'good.yaml');
    assert.equal((await cli(['cdi', 'generate', ...roots(), '--output', good])).error, undefined);
    const goodJson = join(out, 'good.json');
    assert.equal((await cli(['cdi', 'generate', ...roots(), '--output', goodJson])).error, undefined);
    const ok = await cli(['cdi', 'validate', good, goodJson]);
    assert.equal(ok.error, undefined);
    assert.equal(
      ok.out,
      `${good}: valid (kind nvidia.com/gpu, cdiVersion 0.5.0, 5 devices)\n${goodJson}: valid (kind nvidia.com/gpu, cdiVersion 0.5.0, 5 devices)\n`,
    );

    const bad = join(out, 'bad.yaml');
    writeFileSync(
      bad,
      readFileSync(good, 'utf8')
        .replace('path: /dev/nvidia0', 'path: dev/nvidia0')
        .replace('cdiVersion: "0.5.0"', 'cdiVersion: 0.3.0'),
    );
    const broken = join(out, 'broken.json');
    writeFileSync(broken, '{"cdiVersion": "0.3.0",\n "kind": "a" "b"}');
    const r = await cli(['cdi', 'validate', good, bad, broken]);
    assert.ok(r.error instanceof ConfigError);
    assert.equal(exitCode(r.error), 1);
    assert.equal(
      (r.error as Error).message,
      `${bad}: invalid CDI spec, and 1 more invalid file(s) (3 problems in all)`,
    );
    const lines = r.out.trim().split('\n');
    assert.equal(lines[0], `${good}: valid (kind nvidia.com/gpu, cdiVersion 0.5.0, 5 devices)`);
    assert.deepEqual(lines.slice(1, 3), [
      `${bad}: cdiVersion: must be at least 0.5.0 because a device name starts with a digit (declared 0.3.0)`,
      `${bad}: devices[0].containerEdits.deviceNodes[0].path: must be an absolute path`,
    ]);
    assert.match(lines[3]!, new RegExp(`^${broken.replace(/[.]/g, '\\.')}:2:\\d+: `));
  });

  test('validate: an unreadable file is a HostError naming it', async () => {
    const missing = join(out, 'missing.yaml');
    const r = await cli(['cdi', 'validate', missing]);
    assert.ok(r.error instanceof HostError);
    assert.equal((r.error as Error).message, `${missing}: cannot read: no such file`);
  });
});
