/** The full CLI: every command (loaded by src/bin.ts for anything that is not an engine command). */
import { runEngineArgv } from './commands/engine-cli';
import { allModules } from './commands/registry';
import { runCli } from './run-cli';

runCli(allModules, runEngineArgv);
