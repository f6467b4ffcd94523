/** Shared by the two CLI entries: runs the command line, then exits at once with its code. */
import { main } from './cli';
import type { CommandModule } from './commands/registry';

export function runCli(available: readonly CommandModule[]): void {
  // process.exit instead of waiting for the event loop to drain: by then every file is written and synced, and
  // stdout/stderr writes to files, pipes and terminals are synchronous on Linux; it spares the teardown of
  // whatever the command left open (idle keep-alive sockets, timers).
  main(process.argv, available).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
