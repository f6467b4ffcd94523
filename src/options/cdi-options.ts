/** The flags of `cdi generate`, as data (see option-spec.ts for how they are resolved). */
import type { OptionSpec } from './option-spec';

export const CDI_GENERATE_SPECS: readonly OptionSpec[] = [
  {
    name: 'driverRoot',
    flag: 'driver-root',
    kind: 'string',
    default: '/',
    description: 'where the driver files are',
  },
  {
    name: 'devRoot',
    flag: 'dev-root',
    kind: 'string',
    description: 'where the driver /dev is (default: the driver root)',
  },
  {
    name: 'procRoot',
    flag: 'proc-root',
    kind: 'string',
    default: '/proc',
    description: 'procfs mount to read GPUs from',
  },
  {
    name: 'hostDriverRoot',
    flag: 'host-driver-root',
    kind: 'string',
    description:
      'host-side path of --driver-root written into the spec, when discovery runs in a container (default: --driver-root)',
  },
  {
    name: 'hostDevRoot',
    flag: 'host-dev-root',
    kind: 'string',
    description: 'host-side path of --dev-root written into the spec (default: follows --host-driver-root)',
  },
  {
    name: 'vendor',
    flag: 'vendor',
    kind: 'string',
    default: 'nvidia.com',
    description: 'CDI vendor (kind prefix)',
  },
  { name: 'class', flag: 'class', kind: 'string', default: 'gpu', description: 'CDI device class' },
  {
    name: 'mode',
    flag: 'mode',
    kind: 'string',
    default: 'gpu',
    choices: ['gpu', 'management'],
    description: 'gpu: one device per GPU/MIG instance plus all; management: one all device with every node',
  },
  {
    name: 'deviceNameStrategy',
    flag: 'device-name-strategy',
    kind: 'string',
    default: 'both',
    choices: ['index', 'uuid', 'both'],
    description: 'device names: index (0, 0:1), uuid (GPU-…, MIG-…) or both',
  },
  {
    name: 'nvidiaCdiHookPath',
    flag: 'nvidia-cdi-hook-path',
    kind: 'string',
    default: '/usr/bin/nvidia-cdi-hook',
    description: 'host path of nvidia-cdi-hook used by the createContainer hooks',
  },
  {
    name: 'ldconfigPath',
    flag: 'ldconfig-path',
    kind: 'string',
    description: 'host path of ldconfig for the update-ldcache hook',
  },
  {
    name: 'format',
    flag: 'format',
    kind: 'string',
    choices: ['yaml', 'json'],
    description: 'output format (default: from the --output extension, else yaml)',
  },
  {
    name: 'output',
    flag: 'output',
    short: 'o',
    kind: 'string',
    description: 'write the spec to FILE atomically (default: stdout)',
  },
];
