/**
 * Whether a test can use a real program. Locally a missing daemon skips the test with a message; in CI
 * (CI=true) it is a failure, because a suite that silently skips its real-daemon tests proves nothing.
 */
import { accessSync, constants } from 'node:fs';
import { delimiter, isAbsolute, join } from 'node:path';

export const inCI = (): boolean => process.env.CI === 'true';

/** Absolute path of `name` (absolute, or looked up on PATH), or undefined. */
export function findBinary(name: string): string | undefined {
  const candidates = isAbsolute(name)
    ? [name]
    : (process.env.PATH ?? '')
        .split(delimiter)
        .filter(Boolean)
        .map((d) => join(d, name));
  for (const c of candidates) {
    try {
      accessSync(c, constants.X_OK);
      return c;
    } catch {
      // next
    }
  }
  return undefined;
}

/** True when `name` is runnable; false (and a note on stderr) when not, locally; throws in CI. */
export function requireBinary(name: string): boolean {
  if (findBinary(name) !== undefined) return true;
  const msg = `${name} is not installed (not on PATH)`;
  if (inCI()) throw new Error(`${msg}: the real-daemon tests need it in CI`);
  process.stderr.write(`# skipping: ${msg}\n`);
  return false;
}

/**
 * For `test(name, { skip: daemonSkip('containerd') }, …)`: undefined when the programs are there and we are
 * root (the daemons need it), otherwise the reason to skip; in CI throws instead of skipping.
 */
export function daemonSkip(...names: string[]): string | undefined {
  const missing = names.filter((n) => findBinary(n) === undefined);
  const reasons = [
    ...(missing.length > 0 ? [`not installed: ${missing.join(', ')}`] : []),
    ...(process.getuid?.() !== 0 ? ['the real daemons need root'] : []),
  ];
  if (reasons.length === 0) return undefined;
  if (inCI()) throw new Error(`real-daemon tests cannot run in CI: ${reasons.join('; ')}`);
  return reasons.join('; ');
}
