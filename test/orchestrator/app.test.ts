// Whole-installer runs shaped like the original's own app tests (flags as the GPU Operator passes them,
// --no-daemon, --restart-mode=none, temp paths): what lands in the engine config and the toolkit config.
// Differences kept on purpose: new files are written in our formatting, and the containerd import names the
// drop-in file itself rather than a `conf.d/*.toml` glob.
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { parse as parseToml } from 'smol-toml';
import { daemonSkip } from '../helpers/daemons';
import { buildCliBundle, cleanEnv, killOrchestrators, runOrchestratorOnce } from '../helpers/orchestrator';
import { makeArtifacts } from '../toolkit/fixture';

const skip = daemonSkip('flock');
let tmp: string;
let bundle: string;
let n = 0;
before(() => {
  tmp = mkdtempSync('/tmp/ctk-app-');
  bundle = buildCliBundle(join(tmp, 'bin'));
  makeArtifacts(join(tmp, 'artifacts'));
});
afterEach(killOrchestrators);
after(() => rmSync(tmp, { recursive: true, force: true }));

function testRoot(): { root: string; argv: string[] } {
  const root = join(tmp, `t${n++}`);
  return {
    root,
    argv: [
      `--toolkit-install-dir=${root}/toolkit-test`,
      '--no-daemon',
      '--enable-nri-plugin=false',
      `--cdi-output-dir=${root}/var/run/cdi`,
      `--config=${root}/config.file`,
      `--drop-in-config=${root}/conf.d/config.toml`,
      '--create-device-nodes=none',
      `--pid-file=${root}/toolkit.pid`,
      '--restart-mode=none',
      `--toolkit-source-root=${tmp}/artifacts`,
    ],
  };
}

const binaries = (toolkit: string) => ({
  nvidia: `${toolkit}/nvidia-container-runtime`,
  'nvidia-cdi': `${toolkit}/nvidia-container-runtime.cdi`,
  'nvidia-legacy': `${toolkit}/nvidia-container-runtime.legacy`,
});

test('docker (default runtime): three runtimes, nvidia the default, no drop-in, the toolkit config written', {
  skip,
}, async () => {
  const { root, argv } = testRoot();
  const r = await runOrchestratorOnce(bundle, argv, cleanEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /docker has no drop-in config files; ignoring --drop-in-config/);
  const toolkit = `${root}/toolkit-test/toolkit`;
  const cfg = JSON.parse(readFileSync(`${root}/config.file`, 'utf8')) as Record<string, unknown>;
  assert.deepEqual(cfg, {
    'default-runtime': 'nvidia',
    runtimes: Object.fromEntries(
      Object.entries(binaries(toolkit)).map(([k, path]) => [k, { path, args: [] }]),
    ),
  });
  assert.ok(!existsSync(`${root}/conf.d/config.toml`));
  assert.ok(!existsSync(`${root}/toolkit.pid`));
  const tk = parseToml(
    readFileSync(`${toolkit}/.config/nvidia-container-runtime/config.toml`, 'utf8'),
  ) as Record<string, Record<string, unknown>>;
  assert.deepEqual(tk['nvidia-container-runtime']?.runtimes, ['runc', 'crun']);
  assert.equal(tk['nvidia-container-cli']?.path, `${toolkit}/nvidia-container-cli`);
  assert.equal(tk['nvidia-container-runtime-hook']?.path, `${toolkit}/nvidia-container-runtime-hook`);
});

test('docker: --enable-cdi-in-runtime sets features.cdi', { skip }, async () => {
  const { root, argv } = testRoot();
  const r = await runOrchestratorOnce(bundle, [...argv, '--enable-cdi-in-runtime'], cleanEnv());
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(
    (JSON.parse(readFileSync(`${root}/config.file`, 'utf8')) as Record<string, unknown>).features,
    { cdi: true },
  );
});

test('containerd: the runtimes and enable_cdi go to the drop-in, the main file only imports it', {
  skip,
}, async () => {
  const { root, argv } = testRoot();
  // CDI on, but no spec output dir: the spec needs a driver root, which this test does not have.
  const r = await runOrchestratorOnce(
    bundle,
    [...argv, '--cdi-enabled', '--cdi-output-dir=', '--runtime=containerd'],
    cleanEnv(),
  );
  assert.equal(r.code, 0, r.stderr);
  // the main file did not exist: it starts as `containerd config default` (issue 10 item 14) and only
  // imports the drop-in; nothing of ours is in it
  const mainText = readFileSync(`${root}/config.file`, 'utf8');
  const main = parseToml(mainText);
  assert.equal(main.version, 2);
  assert.deepEqual(main.imports, [`${root}/conf.d/config.toml`]);
  assert.doesNotMatch(mainText, /nvidia/);
  const drop = parseToml(readFileSync(`${root}/conf.d/config.toml`, 'utf8')) as {
    version: number;
    plugins: Record<
      string,
      {
        enable_cdi: boolean;
        containerd: {
          default_runtime_name: string;
          runtimes: Record<string, { runtime_type: string; options: { BinaryName: string } }>;
        };
      }
    >;
  };
  const cri = drop.plugins['io.containerd.grpc.v1.cri']!;
  assert.equal(drop.version, 2);
  assert.equal(cri.enable_cdi, true);
  assert.equal(cri.containerd.default_runtime_name, 'nvidia');
  for (const [name, bin] of Object.entries(binaries(`${root}/toolkit-test/toolkit`))) {
    assert.equal(cri.containerd.runtimes[name]?.runtime_type, 'io.containerd.runc.v2');
    assert.equal(cri.containerd.runtimes[name]?.options.BinaryName, bin);
  }
});

// Issue 10 item 5: the toolkit's `--nvidia-container-runtime.modes.cdi.annotation-prefixes` and containerd's
// `--nvidia-container-runtime-modes.cdi.annotation-prefixes` differ only in '.' vs '-'; each reaches its own file.
test('containerd: the toolkit and the containerd annotation-prefix flags each set only their own value', {
  skip,
}, async () => {
  const read = (root: string) => {
    const drop = parseToml(readFileSync(`${root}/conf.d/config.toml`, 'utf8')) as {
      plugins: Record<
        string,
        { containerd: { runtimes: Record<string, { container_annotations?: string[] }> } }
      >;
    };
    const tk = parseToml(
      readFileSync(`${root}/toolkit-test/toolkit/.config/nvidia-container-runtime/config.toml`, 'utf8'),
    ) as { 'nvidia-container-runtime': { modes?: { cdi?: { 'annotation-prefixes'?: string[] } } } };
    // the runtimes copy runc's table from `containerd config default` (issue 10 item 14), whose
    // container_annotations is an empty list: empty and absent both mean "no prefixes set" here
    const annotations =
      drop.plugins['io.containerd.grpc.v1.cri']!.containerd.runtimes.nvidia?.container_annotations;
    return {
      engine: annotations?.length ? annotations : undefined,
      toolkit: tk['nvidia-container-runtime'].modes?.cdi?.['annotation-prefixes'],
    };
  };
  const both = testRoot();
  const r = await runOrchestratorOnce(
    bundle,
    [
      ...both.argv,
      '--runtime=containerd',
      '--nvidia-container-runtime.modes.cdi.annotation-prefixes=toolkit.example/',
      '--nvidia-container-runtime-modes.cdi.annotation-prefixes=engine.example/',
    ],
    cleanEnv(),
  );
  assert.equal(r.code, 0, r.stderr);
  assert.deepEqual(read(both.root), { engine: ['engine.example/*'], toolkit: ['toolkit.example/'] });

  const toolkitOnly = testRoot();
  const t = await runOrchestratorOnce(
    bundle,
    [
      ...toolkitOnly.argv,
      '--runtime=containerd',
      '--nvidia-container-runtime.modes.cdi.annotation-prefixes=toolkit.example/',
    ],
    cleanEnv(),
  );
  assert.equal(t.code, 0, t.stderr);
  assert.deepEqual(read(toolkitOnly.root), { engine: undefined, toolkit: ['toolkit.example/'] });
});
