/**
 * Swapping the toolkit tree in so that the toolkit path is at every instant either the complete old tree or
 * the complete new one, even if we are SIGKILLed or the machine loses power at any point.
 *
 * Node has no renameat2(RENAME_EXCHANGE), and a directory can only be renamed over an *empty* one, so two
 * directory renames always leave a moment where the path is missing. Instead the toolkit path is a symlink to
 * a hidden sibling directory with a unique name:
 *
 *   /usr/local/nvidia/toolkit -> .toolkit.ctk-<pid>-<rand>      (relative: valid in every mount namespace)
 *
 * An install builds `.toolkit.ctk-<pid>-<rand2>` completely (every file and directory fsynced), creates a
 * temporary symlink to it and renames that over the toolkit path: rename(2) replaces the link atomically, so
 * engines resolving `<root>/nvidia-container-runtime` see the old tree or the new one, never a mix. The old
 * version directory is removed afterwards; a process still running an old binary keeps its inode.
 *
 * The one exception is the first install over a real directory (a tree from the original installer): it is
 * renamed aside and the link renamed in right after, two syscalls apart. If we die in between, the next run
 * renames it back before doing anything else (`recoverInterrupted`).
 *
 * Leftovers of killed runs (staging dirs, temp links, old trees) are recognised by name and removed by the
 * next run unless the pid in their name is still alive. Concurrent installs into one root are not supported
 * (the orchestrator's pid-file lock serialises them); they would still never leave a partial tree.
 */
import { randomBytes } from 'node:crypto';
import type { Stats } from 'node:fs';
import {
  chmodSync,
  closeSync,
  constants,
  copyFileSync,
  fchmodSync,
  fsyncSync,
  linkSync,
  lstatSync,
  mkdirSync,
  openSync,
  readdirSync,
  readlinkSync,
  realpathSync,
  renameSync,
  rmdirSync,
  rmSync,
  symlinkSync,
  unlinkSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { HostError } from '../errors';
import { describe } from '../host/files';
import type { PlanEntry } from './plan';

export const PID_FILE = 'toolkit.pid';

export type RootState =
  | { readonly kind: 'missing' }
  /** A link we made, to `versionDir` (absolute). */
  | { readonly kind: 'ours'; readonly versionDir: string }
  /** A real directory (an installation by the original, or an empty dir someone made). */
  | { readonly kind: 'dir' };

export interface Layout {
  /** The path the tree is managed at (the toolkit root, or where a foreign symlink to it resolves). */
  readonly path: string;
  readonly parent: string;
  readonly base: string;
  readonly state: RootState;
}

/** The shared one-line reason, plus what a busy toolkit path usually means here. */
export function describeFsError(err: unknown): string {
  if ((err as NodeJS.ErrnoException).code === 'EBUSY') {
    return 'device or resource busy (is the toolkit directory itself a mount point? mount its parent instead)';
  }
  return describe(err);
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/** Matches our sibling names for `base`: version dirs, temp links and trees moved aside. */
function siblingRe(base: string): RegExp {
  return new RegExp(`^\\.${escapeRe(base)}\\.ctk-(?:(link|old)-)?(\\d+)-[0-9a-f]+$`);
}

function siblingName(base: string, what: '' | 'link-' | 'old-'): string {
  return `.${base}.ctk-${what}${process.pid}-${randomBytes(6).toString('hex')}`;
}

function isOurVersionName(base: string, target: string): boolean {
  const m = siblingRe(base).exec(target);
  return m !== null && m[1] === undefined;
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw new HostError(`${path}: ${describeFsError(err)}`, { file: path });
  }
}

/** Where and in what state the toolkit tree is. A foreign symlink is followed: the tree is managed where it points. */
export function inspectRoot(root: string, depth = 0): Layout {
  const parent = dirname(root);
  const base = basename(root);
  const st = lstatOrUndefined(root);
  if (st === undefined) return { path: root, parent, base, state: { kind: 'missing' } };
  if (st.isSymbolicLink()) {
    let target: string;
    try {
      target = readlinkSync(root);
    } catch (err) {
      throw new HostError(`${root}: cannot read the link: ${describeFsError(err)}`, { file: root });
    }
    if (isOurVersionName(base, target))
      return { path: root, parent, base, state: { kind: 'ours', versionDir: join(parent, target) } };
    let real: string;
    try {
      real = realpathSync(root);
    } catch (err) {
      throw new HostError(
        `${root}: is a symlink to ${target}, which cannot be resolved: ${describeFsError(err)}`,
        { file: root },
      );
    }
    if (depth > 0) throw new HostError(`${root}: unexpected symlink chain`, { file: root });
    return inspectRoot(real, depth + 1);
  }
  if (st.isDirectory()) return { path: root, parent, base, state: { kind: 'dir' } };
  throw new HostError(`${root}: exists and is not a directory`, { file: root });
}

function alive(pid: number): boolean {
  if (pid === process.pid) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

export function fsyncPath(path: string, dir = false): void {
  const fd = openSync(path, dir ? constants.O_RDONLY | constants.O_DIRECTORY : constants.O_RDONLY);
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * Puts back a legacy tree that a killed run had moved aside, when the toolkit path is missing. Returns the
 * repaired layout.
 */
export function recoverInterrupted(layout: Layout): Layout {
  if (layout.state.kind !== 'missing') return layout;
  let names: string[];
  try {
    names = readdirSync(layout.parent);
  } catch {
    return layout;
  }
  const re = siblingRe(layout.base);
  const aside = names.filter((n) => re.exec(n)?.[1] === 'old' && !alive(Number(re.exec(n)![2])));
  if (aside.length !== 1) return layout;
  renameSync(join(layout.parent, aside[0]!), layout.path);
  return { ...layout, state: { kind: 'dir' } };
}

/** Removes leftovers of earlier runs (never the live version dir, never one whose owner is alive). */
export function removeStale(layout: Layout, keep: readonly string[] = []): string[] {
  let names: string[];
  try {
    names = readdirSync(layout.parent);
  } catch {
    return [];
  }
  const re = siblingRe(layout.base);
  const live = layout.state.kind === 'ours' ? basename(layout.state.versionDir) : undefined;
  const removed: string[] = [];
  for (const name of names) {
    const m = re.exec(name);
    if (!m || name === live || keep.includes(name) || alive(Number(m[2]))) continue;
    rmSync(join(layout.parent, name), { recursive: true, force: true });
    removed.push(name);
  }
  return removed;
}

function pidFileOf(layout: Layout): string | undefined {
  const s = layout.state;
  const p =
    s.kind === 'ours'
      ? join(s.versionDir, PID_FILE)
      : s.kind === 'dir'
        ? join(layout.path, PID_FILE)
        : undefined;
  return p !== undefined && lstatOrUndefined(p)?.isFile() ? p : undefined;
}

function writeEntry(dir: string, e: PlanEntry): void {
  const dst = join(dir, e.path);
  switch (e.kind) {
    case 'dir':
      mkdirSync(dst, { mode: e.mode });
      chmodSync(dst, e.mode);
      return;
    case 'symlink':
      symlinkSync(e.target, dst);
      return;
    case 'copy':
      copyFileSync(e.source, dst, constants.COPYFILE_EXCL);
      chmodSync(dst, e.mode);
      fsyncPath(dst);
      return;
    case 'write': {
      const fd = openSync(dst, 'wx', e.mode);
      try {
        writeFileSync(fd, e.content);
        fchmodSync(fd, e.mode);
        fsyncSync(fd);
      } finally {
        closeSync(fd);
      }
    }
  }
}

/**
 * Builds the complete new tree in a fresh sibling directory and returns its name. `toolkit.pid` is hard-linked
 * from the current tree (same inode: the orchestrator's lock on it stays valid). On failure the staging dir
 * is removed and nothing else has changed.
 */
export function buildStaging(layout: Layout, entries: readonly PlanEntry[]): string {
  const name = siblingName(layout.base, '');
  const dir = join(layout.parent, name);
  const current = layout.path;
  try {
    mkdirSync(dir, { mode: 0o755 });
    chmodSync(dir, 0o755);
    for (const e of entries) {
      try {
        writeEntry(dir, e);
      } catch (err) {
        const what = e.kind === 'copy' ? `copying ${e.source} to` : 'creating';
        throw new HostError(`${current}: ${what} ${e.path}: ${describeFsError(err)}`, {
          file: current,
          cause: err,
        });
      }
    }
    const pid = pidFileOf(layout);
    if (pid !== undefined) {
      try {
        linkSync(pid, join(dir, PID_FILE));
      } catch {
        copyFileSync(pid, join(dir, PID_FILE));
      }
    }
    // Directories last, deepest first: their entries must be durable before the link makes them visible.
    const dirs = entries.filter((e) => e.kind === 'dir').map((e) => join(dir, e.path));
    for (const d of [...dirs].reverse()) fsyncPath(d, true);
    fsyncPath(dir, true);
    return name;
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    if (err instanceof HostError) throw err;
    throw new HostError(`${current}: cannot build the new tree in ${dir}: ${describeFsError(err)}`, {
      file: current,
      cause: err,
    });
  }
}

/**
 * Points the toolkit path at `versionName` atomically (see the module comment) and returns what the old tree
 * was, for removal by the caller.
 */
export function flip(layout: Layout, versionName: string): string | undefined {
  const link = join(layout.parent, siblingName(layout.base, 'link-'));
  symlinkSync(versionName, link);
  let aside: string | undefined;
  try {
    if (layout.state.kind === 'dir') {
      aside = join(layout.parent, siblingName(layout.base, 'old-'));
      renameSync(layout.path, aside);
    }
    renameSync(link, layout.path);
  } catch (err) {
    if (aside !== undefined && lstatOrUndefined(layout.path) === undefined) renameSync(aside, layout.path);
    rmSync(link, { force: true });
    throw new HostError(`${layout.path}: cannot switch to the new tree: ${describeFsError(err)}`, {
      file: layout.path,
      cause: err,
    });
  }
  fsyncPath(layout.parent, true);
  return layout.state.kind === 'ours' ? layout.state.versionDir : aside;
}

/** Removes a tree that is no longer reachable through the toolkit path. */
export function removeTree(path: string | undefined): void {
  if (path !== undefined) rmSync(path, { recursive: true, force: true });
}

export function ensureParent(layout: Layout): void {
  try {
    mkdirSync(layout.parent, { recursive: true, mode: 0o755 });
  } catch (err) {
    throw new HostError(`${layout.path}: cannot create ${layout.parent}: ${describeFsError(err)}`, {
      file: layout.path,
    });
  }
}

/** Does the current tree hold a toolkit.pid? */
export function hasPidFile(layout: Layout): boolean {
  return pidFileOf(layout) !== undefined;
}

/** Legacy (real directory) delete: every entry but toolkit.pid, then the directory if it became empty. */
export function emptyLegacyDir(path: string): void {
  for (const name of readdirSync(path)) {
    if (name !== PID_FILE) rmSync(join(path, name), { recursive: true, force: true });
  }
  try {
    rmdirSync(path);
  } catch {
    // still holds toolkit.pid (or something appeared meanwhile): keep it
  }
}

/** Removes our link, then the tree it pointed to (the path disappears in one step). */
export function unlinkOurs(layout: Layout): void {
  unlinkSync(layout.path);
  fsyncPath(layout.parent, true);
  if (layout.state.kind === 'ours') removeTree(layout.state.versionDir);
}
