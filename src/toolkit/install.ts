/**
 * `toolkit install` / `toolkit delete` as a library. The plan is computed first (every artifact located, every
 * wrapper and the config rendered), so bad input changes nothing; then the new tree is built beside the old
 * one and switched in atomically (src/toolkit/tree.ts). Device nodes and the CDI spec come after the tree, as
 * in the original: their failure is reported, but the complete new tree stays.
 */
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { HostError, oneLine } from '../errors';
import { atomicWrite } from '../host/files';
import { nodeHostFs } from '../host/host-fs';
import type { HostFs } from '../host/host-fs-api';
import { runProcess } from '../host/proc';
import { createLogger, type Logger } from '../log';
import { type CdiGenerator, managementSpecGenerator } from './cdi-generator';
import { parseProcDevices } from './devices';
import type { ToolkitOptions } from './options';
import { type DeviceNodePlan, planInstall } from './plan';
import {
  buildStaging,
  describeFsError,
  emptyLegacyDir,
  ensureParent,
  flip,
  hasPidFile,
  inspectRoot,
  recoverInterrupted,
  removeStale,
  removeTree,
  unlinkOurs,
} from './tree';

export type { CdiGenerator } from './cdi-generator';

export interface InstallDeps {
  readonly logger?: Logger;
  /** Read-only view used to locate artifacts (default: node:fs). */
  readonly fs?: HostFs;
  /** procfs: `devices` for the device majors, and CDI discovery (default /proc). */
  readonly procRoot?: string;
  /** Default: the management spec from src/cdi/generate.ts. */
  readonly cdiGenerator?: CdiGenerator;
}

export interface InstallResult {
  readonly root: string;
  /** The directory the toolkit path now points to. */
  readonly tree: string;
  /** Paths created in the tree, relative to the root. */
  readonly entries: readonly string[];
  readonly configText: string;
  /** Device nodes created (existing ones are kept and not listed). */
  readonly deviceNodes: readonly string[];
  readonly cdiSpecPath?: string;
  readonly warnings: readonly string[];
}

const quiet = (): Logger => createLogger({ level: 'error', write: () => {} });

async function createDeviceNodes(plan: DeviceNodePlan, procRoot: string, logger: Logger): Promise<string[]> {
  const devicesFile = join(procRoot, 'devices');
  let text: string;
  try {
    text = readFileSync(devicesFile, 'utf8');
  } catch (err) {
    throw new HostError(`${devicesFile}: cannot read: ${describeFsError(err)}`, { file: devicesFile });
  }
  const majors = parseProcDevices(text);
  mkdirSync(plan.dir, { recursive: true, mode: 0o755 });
  const created: string[] = [];
  for (const node of plan.nodes) {
    const path = join(plan.dir, node.name);
    if (existsSync(path)) {
      logger.debug('Keeping existing device node', { path });
      continue;
    }
    const major = majors.get(node.driver);
    if (major === undefined) {
      throw new HostError(
        `${devicesFile} has no "${node.driver}" character device: is the NVIDIA driver loaded?`,
        { file: devicesFile },
      );
    }
    const r = await runProcess('mknod', ['-m', '0666', path, 'c', String(major), String(node.minor)], {
      timeoutMs: 10_000,
    });
    if (r.code !== 0)
      throw new HostError(`mknod ${path} failed: ${oneLine(r.stderr || r.stdout || `exit ${r.code}`)}`, {
        file: path,
      });
    created.push(path);
    logger.info('Created device node', { path, major, minor: node.minor });
  }
  return created;
}

/** A step after the tree switch: its failure is fatal unless --ignore-errors. */
async function afterSwitch<T>(
  what: string,
  o: ToolkitOptions,
  warnings: string[],
  logger: Logger,
  step: () => Promise<T>,
): Promise<T | undefined> {
  try {
    return await step();
  } catch (err) {
    if (!o.ignoreErrors) throw err;
    const msg = `${what} failed (ignored: --ignore-errors): ${oneLine(err)}`;
    logger.warn(msg);
    warnings.push(msg);
    return undefined;
  }
}

export async function installToolkit(o: ToolkitOptions, deps: InstallDeps = {}): Promise<InstallResult> {
  const logger = deps.logger ?? quiet();
  const view = deps.fs ?? nodeHostFs();
  const plan = planInstall(o, view);
  const warnings = [...plan.warnings];
  for (const w of plan.warnings) logger.warn(w);
  let layout = inspectRoot(o.toolkitRoot);

  ensureParent(layout);
  let version: string;
  let old: string | undefined;
  try {
    layout = recoverInterrupted(layout);
    const stale = removeStale(layout);
    if (stale.length > 0)
      logger.debug('Removed leftovers of an interrupted install', { count: stale.length });
    version = buildStaging(layout, plan.entries);
    try {
      old = flip(layout, version);
    } catch (err) {
      removeTree(join(layout.parent, version));
      throw err;
    }
  } catch (err) {
    if (err instanceof HostError) throw err;
    throw new HostError(`${o.toolkitRoot}: cannot install the toolkit: ${describeFsError(err)}`, {
      file: o.toolkitRoot,
      cause: err,
    });
  }
  try {
    removeTree(old);
  } catch (err) {
    logger.warn('Could not remove the previous toolkit tree; the next install retries', {
      path: old,
      error: oneLine(err),
    });
  }
  logger.info('Installed the NVIDIA container toolkit', { root: o.toolkitRoot, tree: version });
  logger.debug('Using config', { config: plan.configText });

  let deviceNodes: string[] = [];
  if (plan.deviceNodes) {
    const nodes = plan.deviceNodes;
    deviceNodes =
      (await afterSwitch('creating control device nodes', o, warnings, logger, () =>
        createDeviceNodes(nodes, deps.procRoot ?? '/proc', logger),
      )) ?? [];
  }
  let cdiSpecPath: string | undefined;
  if (plan.cdi) {
    const req = plan.cdi;
    const gen = deps.cdiGenerator ?? managementSpecGenerator({ procRoot: deps.procRoot, logger });
    cdiSpecPath = await afterSwitch('writing the management CDI spec', o, warnings, logger, async () => {
      const text = await gen(req, view);
      atomicWrite(req.outputPath, text, { mode: 0o644 });
      logger.info('Wrote the management CDI spec', { path: req.outputPath });
      return req.outputPath;
    });
  }
  return {
    root: o.toolkitRoot,
    tree: join(layout.parent, version),
    entries: plan.entries.map((e) => e.path),
    configText: plan.configText,
    deviceNodes,
    cdiSpecPath,
    warnings,
  };
}

/**
 * Removes the toolkit tree but keeps a `toolkit.pid` in it (the orchestrator may hold its lock); a missing tree
 * is not an error. With a pid file the tree is replaced atomically by one holding only that file.
 */
export async function deleteToolkit(root: string, deps: { readonly logger?: Logger } = {}): Promise<void> {
  const logger = deps.logger ?? quiet();
  let layout = inspectRoot(root);
  try {
    layout = recoverInterrupted(layout);
    removeStale(layout);
    switch (layout.state.kind) {
      case 'missing':
        logger.info('No toolkit to delete', { root });
        return;
      case 'ours':
        if (hasPidFile(layout)) removeTree(flip(layout, buildStaging(layout, [])));
        else unlinkOurs(layout);
        break;
      case 'dir':
        emptyLegacyDir(layout.path);
        break;
    }
  } catch (err) {
    if (err instanceof HostError) throw err;
    throw new HostError(`${root}: cannot delete the toolkit: ${describeFsError(err)}`, {
      file: root,
      cause: err,
    });
  }
  logger.info('Deleted the NVIDIA container toolkit', { root });
}
