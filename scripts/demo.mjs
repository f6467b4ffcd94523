// Sandbox demo: runs the main job (containerd setup, then cleanup) against a temp copy of a real-world-shaped
// containerd config. It never touches /etc and restarts nothing (--restart-mode none).
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const cli = join(import.meta.dirname, '..', 'dist', 'ctk-installer.cjs');
const dir = mkdtempSync(join(tmpdir(), 'ctk-demo-'));
const config = join(dir, 'config.toml');
copyFileSync(
  join(import.meta.dirname, '..', 'test', 'fixtures', 'containerd', 'comments-everywhere.toml'),
  config,
);
const original = readFileSync(config, 'utf8');
const run = (...args) =>
  execFileSync(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'inherit'], encoding: 'utf8' });
const common = ['--config', config, '--restart-mode', 'none', '/usr/local/nvidia/toolkit'];

console.log(`# sandbox: ${config}\n# what setup will change (runtime configure --dry-run):`);
process.stdout.write(
  run('runtime', 'configure', '--runtime', 'containerd', '--dry-run', '--set-as-default', ...common),
);
console.log('# containerd setup');
run('containerd', 'setup', ...common);
console.log('# containerd setup again (nothing to do)');
run('containerd', 'setup', ...common);
console.log('# containerd cleanup');
run('containerd', 'cleanup', ...common);
const same = readFileSync(config, 'utf8') === original;
console.log(same ? '# cleanup gave back the original bytes' : '# ERROR: the file differs from the original');
rmSync(dir, { recursive: true, force: true });
process.exit(same ? 0 : 1);
