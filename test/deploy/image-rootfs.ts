/**
 * A minimal image with the layout of deploy/Dockerfile, built without a registry: this machine's node binary
 * and the libraries `ldd` lists, `env` (for the bundle's `#!/usr/bin/env node`), util-linux `flock` (the pid-file
 * lock), the CLI bundle linked under every persona name, and toolkit artifacts under /artifacts/deb. It is
 * imported into a test dockerd with `tar -C rootfs -c . | docker import - TAG` (real-daemons.md).
 */
import { spawn } from 'node:child_process';
import { chmodSync, copyFileSync, cpSync, existsSync, mkdirSync, symlinkSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { copyWithLibraries } from '../helpers/host-root';
import { CLI_PARTS } from '../helpers/orchestrator';

export const BUNDLE_PATH = '/usr/local/lib/ctk-installer/ctk-installer.cjs';
/** The same names deploy/Dockerfile links (test/deploy/manifests.test.ts checks the Dockerfile has them). */
export const PERSONAS = [
  'ctk-installer',
  'nvidia-toolkit',
  'toolkit',
  'docker',
  'containerd',
  'crio',
] as const;

export function buildRootfs(root: string, bundle: string, artifacts: string): string {
  for (const bin of [process.execPath, '/usr/bin/env', '/usr/bin/flock']) copyWithLibraries(bin, root);
  if (process.execPath !== '/usr/bin/node') symlinkSync(process.execPath, join(root, 'usr/bin/node'));
  mkdirSync(join(root, dirname(BUNDLE_PATH)), { recursive: true });
  copyFileSync(bundle, join(root, BUNDLE_PATH));
  chmodSync(join(root, BUNDLE_PATH), 0o755);
  // The bundles the loader runs and the addon sit beside it, as in the image.
  for (const part of CLI_PARTS) {
    const from = join(dirname(bundle), part);
    if (existsSync(from)) copyFileSync(from, join(root, dirname(BUNDLE_PATH), part));
  }
  mkdirSync(join(root, 'usr/local/bin'), { recursive: true });
  for (const name of PERSONAS) symlinkSync(BUNDLE_PATH, join(root, 'usr/local/bin', name));
  cpSync(artifacts, join(root, 'artifacts/deb'), { recursive: true, verbatimSymlinks: true });
  for (const d of ['run/ctk-installer', 'tmp', 'etc']) mkdirSync(join(root, d), { recursive: true });
  chmodSync(join(root, 'tmp'), 0o1777);
  return root;
}

/** `tar -C rootfs -c . | docker -H unix://SOCK import - TAG`. */
export async function importRootfs(
  docker: string,
  socket: string,
  cliConfigDir: string,
  rootfs: string,
  tag: string,
): Promise<void> {
  const tar = spawn('tar', ['-C', rootfs, '-c', '.'], { stdio: ['ignore', 'pipe', 'pipe'] });
  const imp = spawn(docker, ['-H', `unix://${socket}`, 'import', '-', tag], {
    env: { PATH: process.env.PATH, DOCKER_CONFIG: cliConfigDir },
    stdio: ['pipe', 'ignore', 'pipe'],
  });
  tar.stdout.pipe(imp.stdin);
  let err = '';
  for (const p of [tar, imp]) {
    p.stderr.on('data', (c: Buffer) => {
      err += c.toString();
    });
  }
  const status = (p: ReturnType<typeof spawn>) =>
    new Promise<number | null>((resolve, reject) => {
      p.once('error', reject);
      p.once('close', resolve);
    });
  const [t, i] = await Promise.all([status(tar), status(imp)]);
  if (t !== 0 || i !== 0) throw new Error(`docker import failed (tar ${t}, import ${i}): ${err.trim()}`);
}
