/** Shared by the two CLI entries: runs the command line, then exits at once with its code. */
import { commandLine, reportFailure } from './cli-args';
import type { CommandModule } from './commands/registry';

/** Runs a command line without commander; undefined when it does not take this one (commander then does). */
export type DirectPath = (args: readonly string[]) => Promise<void> | undefined;

async function run(available: readonly CommandModule[], direct: DirectPath): Promise<number> {
  const { args } = commandLine(process.argv);
  try {
    const done = direct(args);
    if (done !== undefined) {
      await done;
      return 0;
    }
  } catch (err) {
    return reportFailure(err, args);
  }
  // commander is loaded only here: for help, usage errors and the commands that are not engine commands
  const { main } = await import('./cli');
  return main(process.argv, available);
}

export function runCli(available: readonly CommandModule[], direct: DirectPath): void {
  // process.exit instead of waiting for the event loop to drain: by then every file is written and synced, and
  // stdout/stderr writes to files, pipes and terminals are synchronous on Linux; it spares the teardown of
  // whatever the command left open (idle keep-alive sockets, timers).
  run(available, direct).then(
    (code) => process.exit(code),
    () => process.exit(1),
  );
}
