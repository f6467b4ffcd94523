/**
 * Host trees for the preset tests: a distribution's files at its paths under a temp root, and a real containerd
 * started from the executable path that distribution uses (a hard link to the real binary, so /proc/PID/exe
 * shows that path), listening on the distribution's socket path inside the root. The containerd versions the
 * tests run on: Debian's 1.6 always, 1.7 and 2.x when CTK_CONTAINERD_1_7 / CTK_CONTAINERD_2 name their unpacked
 * trees (scripts/fetch-engines.sh).
 */
import { copyFileSync, existsSync, linkSync, mkdirSync, mkdtempSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { grpcUnary } from '../../src/host/cri-client';
import { DaemonProcess, registerTempDir, removeTempDir } from '../helpers/daemon-process';
import { findBinary, inCI } from '../helpers/daemons';

export interface Containerd {
  readonly label: string;
  readonly major: number;
  /** How the version it reports starts (a regular expression source). */
  readonly versionRe: string;
  /** The real binary, or the reason it is missing (a skip locally, a failure in CI). */
  readonly bin?: string;
  readonly missing?: string;
}

export function containerds(): Containerd[] {
  const two = process.env.CTK_CONTAINERD_2;
  const seven = process.env.CTK_CONTAINERD_1_7;
  const list: Containerd[] = [
    {
      label: 'containerd 1.6 (Debian)',
      major: 1,
      versionRe: '1\\.6\\.',
      ...found(findBinary('containerd'), 'containerd is not on PATH'),
    },
    {
      label: 'containerd 1.7',
      major: 1,
      versionRe: '1\\.7\\.',
      ...found(
        seven ? findBinary(join(seven, 'usr/bin/containerd')) : undefined,
        'CTK_CONTAINERD_1_7 is not set (scripts/fetch-engines.sh)',
      ),
    },
    {
      label: 'containerd 2.x',
      major: 2,
      versionRe: '2\\.',
      ...found(
        two ? findBinary(join(two, 'usr/bin/containerd')) : undefined,
        'CTK_CONTAINERD_2 is not set (scripts/fetch-engines.sh)',
      ),
    },
  ];
  for (const c of list) if (c.missing && inCI()) throw new Error(`${c.label}: ${c.missing}`);
  return list;
}

function found(bin: string | undefined, why: string): { bin?: string; missing?: string } {
  return bin ? { bin } : { missing: why };
}

export interface TreeDaemon {
  readonly root: string;
  readonly socket: string;
  readonly config: string;
  readonly exe: string;
  readonly pid: number;
  stop(): Promise<void>;
}

export interface TreeLayout {
  /** Paths relative to the root, as the distribution lays them out. */
  readonly exe: string;
  readonly config: string;
  readonly socket: string;
  /** The config flag the distribution passes (k3s `-c`, others `--config`). */
  readonly flag?: string;
  /** `imports` of the config (what a distribution's rendered config names). */
  readonly imports?: readonly string[];
  /** Start again with the files as they are now (after the tool edited them). */
  readonly keepConfig?: boolean;
}

export function makeRoot(): string {
  const root = mkdtempSync('/tmp/ctk-nd-');
  registerTempDir(root);
  return root;
}

/** A config of the engine's version: every path beside the socket (under the root); runc declared for the CRI plugin. */
export function baseConfig(major: number, socket: string, imports: readonly string[] = []): string {
  const q = JSON.stringify;
  const v3 = major >= 2;
  const cri = v3
    ? `[plugins."io.containerd.cri.v1.runtime".containerd`
    : `[plugins."io.containerd.grpc.v1.cri".containerd`;
  return [
    `version = ${v3 ? 3 : 2}`,
    ...(imports.length > 0 ? [`imports = ${JSON.stringify(imports)}`] : []),
    // one root and state per daemon (beside its socket): two containerds cannot share a metadata database
    `root = ${q(join(dirname(socket), 'ctd-root'))}`,
    `state = ${q(join(dirname(socket), 'ctd-state'))}`,
    '[grpc]',
    `  address = ${q(socket)}`,
    '[ttrpc]',
    `  address = ${q(`${socket}.ttrpc`)}`,
    '[plugins."io.containerd.internal.v1.opt"]',
    `  path = ${q(join(dirname(socket), 'opt'))}`,
    ...(v3 ? ['[plugins."io.containerd.nri.v1.nri"]', '  disable = true'] : []),
    `${cri}]`,
    '  default_runtime_name = "runc"',
    `  ${cri}.runtimes.runc]`,
    '    runtime_type = "io.containerd.runc.v2"',
    '',
  ].join('\n');
}

export async function startInTree(c: Containerd, root: string, layout: TreeLayout): Promise<TreeDaemon> {
  const exe = join(root, layout.exe);
  const config = join(root, layout.config);
  const socket = join(root, layout.socket);
  for (const p of [exe, config, socket]) mkdirSync(dirname(p), { recursive: true });
  if (!existsSync(exe)) {
    try {
      linkSync(c.bin!, exe);
    } catch {
      copyFileSync(c.bin!, exe); // another file system
    }
  }
  if (!layout.keepConfig) {
    writeFileSync(config, baseConfig(c.major, socket, layout.imports));
  }
  const daemon = new DaemonProcess({
    name: `containerd in ${layout.exe}`,
    cmd: exe,
    args: [layout.flag ?? '--config', config],
    logPath: join(root, `${layout.exe.replaceAll('/', '_')}.log`),
    probe: () =>
      grpcUnary(socket, '/containerd.services.version.v1.Version/Version', Buffer.alloc(0), 1000).then(
        () => true,
      ),
  });
  await daemon.start();
  return {
    root,
    socket,
    config,
    exe,
    get pid() {
      return daemon.pid;
    },
    stop: async () => {
      await daemon.stop();
    },
  };
}

export function removeRoot(root: string): void {
  removeTempDir(root);
}
