/** Host paths as this process reads them: under `--host-root` when doctor runs in a container. */
import { isAbsolute, join } from 'node:path';

export function hostPath(root: string, p: string): string {
  return root === '' || root === '/' || !isAbsolute(p) ? p : join(root, p);
}

/** Runtimes we look after: named nvidia* or running an nvidia-container-runtime binary. */
export function isNvidiaRuntime(name: string, binary: string): boolean {
  return name.startsWith('nvidia') || /(^|\/)nvidia-container-runtime[^/]*$/.test(binary);
}
