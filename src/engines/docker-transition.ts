/**
 * dockerd 20.10 reloads only the keys present in daemon.json on SIGHUP (shared/notes/pitfalls.md): restoring an
 * original file without `runtimes` or `default-runtime` would leave the NVIDIA runtimes live in the daemon. So
 * cleanup first writes a transitional file that states them explicitly (the user's other runtimes, and the
 * previous default or docker's built-in `runc`), reloads, and only then writes the final bytes.
 */
import { type JsonObject, parseJson, stringifyJson } from '../edit/json';
import type { FileWrite } from './plan';

/** The transitional write for the daemon.json among `writes`, or [] when the final file already says it all. */
export function dockerTransition(writes: readonly FileWrite[], daemonJson: string): FileWrite[] {
  const w = writes.find((x) => x.path === daemonJson);
  if (!w) return [];
  const final: JsonObject = w.after === null ? {} : parseJson(w.after, w.path).value;
  if (final.runtimes !== undefined && final['default-runtime'] !== undefined) return [];
  const transitional: JsonObject = {
    ...final,
    runtimes: final.runtimes ?? {},
    'default-runtime': final['default-runtime'] ?? 'runc',
  };
  return [{ path: w.path, before: w.before, after: stringifyJson(transitional) }];
}
