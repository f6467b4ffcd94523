/**
 * Applies a plan's file writes in a crash-safe order, and takes back what it already wrote when a later write
 * is refused (read-only file, full disk), so a failed run leaves the files as it found them.
 */
import { existsSync, rmdirSync } from 'node:fs';
import { dirname } from 'node:path';
import type { FileWrite } from '../engines/plan';
import { atomicWrite, removeFile } from './files';

function missingParents(path: string): string[] {
  const out: string[] = [];
  for (let dir = dirname(path); !existsSync(dir) && dir !== dirname(dir); dir = dirname(dir)) out.push(dir);
  return out;
}

/**
 * Setup writes the drop-in before the main file imports it; cleanup drops the import before the file. Each
 * target must still hold the `before` bytes the plan was made from (compare-and-swap, files.ts): a file
 * another program changed since it was read is not replaced (WriteConflict), and what this call already
 * wrote is taken back.
 */
export function applyWrites(writes: readonly FileWrite[], action: 'setup' | 'cleanup'): void {
  const ordered = action === 'setup' ? [...writes].reverse() : writes;
  const done: FileWrite[] = [];
  // directories the writes will create, so taking them back leaves no empty directory behind
  const created = [...new Set(ordered.flatMap((w) => missingParents(w.path)))].sort(
    (a, b) => b.length - a.length,
  );
  try {
    for (const w of ordered) {
      if (w.after === null) removeFile(w.path, w.before ?? undefined);
      else atomicWrite(w.path, w.after, { mode: 0o644, expect: w.before });
      done.push(w);
    }
  } catch (err) {
    // A refused write (read-only file, full disk) must not leave half a change: put back what this run wrote.
    for (const w of done.reverse()) {
      try {
        if (w.before === null) removeFile(w.path, w.after ?? undefined);
        else atomicWrite(w.path, w.before, { expect: w.after });
      } catch {
        // best effort: the error that matters is the one being thrown
      }
    }
    for (const dir of created) {
      try {
        rmdirSync(dir);
      } catch {
        // not empty, or never made
      }
    }
    throw err;
  }
}
