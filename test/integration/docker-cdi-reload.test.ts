/**
 * CDI turned on in daemon.json where it was off: dockerd 28 applies `features` only when it starts, so after the
 * SIGHUP of a signal restart its GET /info still lists no CDI spec directories, and setup says so (a warning to
 * restart dockerd fully) instead of reporting CDI as done. dockerd 20.10 has no CDI and says nothing about it.
 */
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { dockerInfo } from '../../src/host/engine-status';
import { runCliAsync } from '../helpers/cli';
import { type DockerHandle, daemonJson, dockerMatrix, startDockerd } from '../helpers/daemons';
import { fakeRuntimeDir } from './runtime-files';

for (const { label, engine, skip } of dockerMatrix())
  describe(`${label}: CDI off in daemon.json, then setup --enable-cdi-in-runtime with a SIGHUP`, {
    skip,
  }, () => {
    let d: DockerHandle;
    let work: string;
    before(async () => {
      work = mkdtempSync(join(tmpdir(), 'ctk-it-docker-cdi-'));
      d = await startDockerd({ engine, config: (p) => daemonJson(p, { features: { cdi: false } }) });
    });
    after(async () => {
      await d?.stop();
      if (work) rmSync(work, { recursive: true, force: true });
    });

    test('the runtimes are verified; CDI still off is said, as dockerd itself shows it', async () => {
      const rt = fakeRuntimeDir(work);
      const setup = await runCliAsync([
        'docker',
        'setup',
        '--enable-cdi-in-runtime',
        '--restart-mode',
        'signal',
        '--socket',
        d.socket,
        '--config',
        d.configPath,
        rt.dir,
      ]);
      assert.equal(setup.status, 0, setup.stderr);
      assert.match(setup.stderr, /docker shows the change/);
      assert.deepEqual(JSON.parse(readFileSync(d.configPath, 'utf8')).features, { cdi: true });
      const info = await dockerInfo(d.socket);
      if (engine.label.includes('20.10')) {
        assert.equal(info.cdiSpecDirs, undefined);
        assert.doesNotMatch(setup.stderr, /CDI off/);
      } else {
        assert.deepEqual(info.cdiSpecDirs, [], 'dockerd 28 keeps CDI off after a SIGHUP');
        assert.match(
          setup.stderr,
          /level=warning msg="docker shows CDI off \(GET \/info lists no CDI spec directories\) although the config turns it on: a reload does not apply it; restart docker fully/,
        );
      }
    });
  });
