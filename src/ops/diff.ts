/** The unified diff a dry run prints for a plan's writes. */
import { unifiedDiff } from '../edit/diff';
import type { FileWrite } from '../engines/plan';

export function diffOf(writes: readonly FileWrite[]): string {
  return writes
    .map((w) =>
      unifiedDiff(
        w.before ?? '',
        w.after ?? '',
        w.before === null ? '/dev/null' : w.path,
        w.after === null ? '/dev/null' : w.path,
      ),
    )
    .join('');
}
