/**
 * Writes a spec file the way engines expect to find it: atomically (src/host/files.ts: hidden temp file in
 * the same directory, O_EXCL, fsync, rename, fsync of the directory — an engine scanning /var/run/cdi never
 * sees half a spec, and the temp name ends in neither .json nor .yaml so no CDI loader picks it up) and
 * world-readable, since rootless engines and the `cdi` CLI read specs as ordinary users.
 */
import { chmodSync, statSync } from 'node:fs';
import { HostError } from '../errors';
import { atomicWrite } from '../host/files';
import { renderSpec, type SpecFormat } from './render';
import type { CdiSpec } from './spec-types';
import { formatProblem, validateSpec } from './validate';

export interface WrittenSpec {
  readonly path: string;
  readonly format: SpecFormat;
  readonly bytes: number;
}

export function writeSpec(path: string, spec: CdiSpec, format: SpecFormat): WrittenSpec {
  const problems = validateSpec(spec);
  if (problems.length > 0) {
    throw new HostError(
      `${path}: refusing to write an invalid CDI spec: ${problems.map(formatProblem).join('; ')}`,
      {
        file: path,
      },
    );
  }
  const text = renderSpec(spec, format);
  atomicWrite(path, text, { mode: 0o644 });
  // atomicWrite keeps an existing file's mode; a spec someone made private would be invisible to readers.
  const mode = statSync(path).mode & 0o7777;
  if ((mode & 0o444) !== 0o444) chmodSync(path, mode | 0o444);
  return { path, format, bytes: Buffer.byteLength(text) };
}
