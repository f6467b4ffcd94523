/**
 * Pre-flight: can every path an operation will write be written? Checked before anything changes, so a
 * read-only `/etc` (Talos, field-notes A-39) gives one actionable line instead of an EROFS deep in a write.
 * A path that does not exist yet needs its nearest existing ancestor directory to be writable.
 */
import { accessSync, constants, existsSync } from 'node:fs';
import { dirname } from 'node:path';

export interface Unwritable {
  readonly path: string;
  /** The directory or file that refused the write. */
  readonly at: string;
  /** The topmost directory of the read-only filesystem (when EROFS), else `at`. */
  readonly readOnlyRoot?: string;
  readonly code: string;
}

function refusal(path: string): string | undefined {
  try {
    accessSync(path, constants.W_OK);
    return undefined;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code ?? 'EACCES';
  }
}

function nearestExisting(path: string): string {
  let p = path;
  while (!existsSync(p) && dirname(p) !== p) p = dirname(p);
  return p;
}

/** The first path that cannot be written, or undefined when all can. */
export function firstUnwritable(paths: readonly string[]): Unwritable | undefined {
  for (const path of paths) {
    const at = nearestExisting(dirname(path));
    const code = refusal(at);
    if (code === undefined) continue;
    if (code !== 'EROFS') return { path, at, code };
    let top = at;
    while (dirname(top) !== top && refusal(dirname(top)) === 'EROFS') top = dirname(top);
    return { path, at, readOnlyRoot: top, code };
  }
  return undefined;
}
