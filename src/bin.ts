/** The executable's entry: runs the CLI and sets the exit code (src/cli.ts stays importable for tests). */
import { main } from './cli';

main(process.argv).then(
  (code) => {
    process.exitCode = code;
  },
  () => {
    process.exitCode = 1;
  },
);
