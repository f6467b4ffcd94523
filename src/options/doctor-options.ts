/** The flags of `doctor` (read-only node diagnosis, src/commands/doctor.ts). */
import { ENGINE_NAMES } from '../engines/presets';
import type { OptionSpec } from './option-spec';

export const DOCTOR_SPECS: readonly OptionSpec[] = [
  {
    name: 'runtime',
    flag: 'runtime',
    kind: 'string',
    description: 'the engine to examine; auto: every engine that answers on its default socket',
    default: 'auto',
    choices: ['auto', ...ENGINE_NAMES],
  },
  {
    name: 'output',
    flag: 'output',
    kind: 'string',
    description: 'text (a table) or json (schema ctk-installer/doctor/v1)',
    default: 'text',
    choices: ['text', 'json'],
  },
  {
    name: 'hostRoot',
    flag: 'host-root',
    kind: 'string',
    description: "where the host's filesystem is mounted (paths in configs and specs are read under it)",
    default: '/',
  },
  {
    name: 'config',
    flag: 'config',
    kind: 'string',
    description: "the engine's config file (default: the engine's own)",
  },
  {
    name: 'socket',
    flag: 'socket',
    kind: 'string',
    description: "the engine's socket (default: the engine's own)",
  },
  {
    name: 'cdiSpecDirs',
    flag: 'cdi-spec-dir',
    kind: 'list',
    description:
      "CDI spec directory to check (repeatable; default: the engine's, else /etc/cdi and /var/run/cdi)",
    default: [],
  },
  {
    name: 'timeout',
    flag: 'timeout',
    kind: 'int',
    description: 'milliseconds to wait for each answer from an engine',
    default: 5000,
  },
];
