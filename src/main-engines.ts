/**
 * The engine commands only (`docker|containerd|crio setup|cleanup`, `runtime configure`): a bundle without the
 * toolkit, CDI and orchestrator code (and `yaml`), which an engine command never runs; src/bin.ts picks it.
 */
import { engineCommand, runEngineArgv } from './commands/engine-cli';
import { runCli } from './run-cli';

runCli([engineCommand], runEngineArgv);
