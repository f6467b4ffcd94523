/**
 * cri-o's legacy integration: an OCI prestart hook file (upstream-behaviour §2.5). Field order and the
 * 2-space layout with a final newline match the original's output, so tools diffing it see no change.
 */
import { dirname, join } from 'node:path/posix';

const BASE_PATH = '/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin';

export function ociHookText(toolkitDir: string): string {
  const hookPath = join(toolkitDir, 'nvidia-container-runtime-hook');
  const dir = dirname(hookPath);
  const path = BASE_PATH.split(':').includes(dir) ? BASE_PATH : `${BASE_PATH}:${dir}`;
  const hook = {
    version: '1.0.0',
    hook: { path: hookPath, args: ['nvidia-container-runtime-hook', 'prestart'], env: [`PATH=${path}`] },
    when: { always: true, commands: ['.*'] },
    stages: ['prestart'],
  };
  return `${JSON.stringify(hook, null, 2)}\n`;
}
