/** A RUNTIME_DIR whose nvidia-container-runtime{,.cdi,.legacy} log their arguments and exec the real runc. */
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export function fakeRuntimeDir(dir: string): { dir: string; callsFile: string } {
  const rt = join(dir, 'toolkit');
  mkdirSync(rt, { recursive: true });
  const callsFile = join(dir, 'runtime.calls');
  for (const name of [
    'nvidia-container-runtime',
    'nvidia-container-runtime.cdi',
    'nvidia-container-runtime.legacy',
  ]) {
    const p = join(rt, name);
    writeFileSync(p, `#!/bin/sh\necho "${name} $*" >>'${callsFile}'\nexec /usr/bin/runc "$@"\n`);
    chmodSync(p, 0o755);
  }
  return { dir: rt, callsFile };
}
