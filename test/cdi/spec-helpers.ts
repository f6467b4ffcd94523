/** Shared expectations for the CDI generation tests: the fixture's files as they must appear in a spec. */
import assert from 'node:assert/strict';
import { type GenerateOptions, generateSpec } from '../../src/cdi/generate';
import type { CdiDeviceNode, CdiSpec } from '../../src/cdi/spec-types';
import { validateSpec } from '../../src/cdi/validate';
import { memoryLogger } from '../../src/log';
import {
  BINARIES,
  buildFixture,
  DRIVER_LIBS,
  type Fixture,
  type FixtureOptions,
  LIB_DIR,
  MAJORS,
  VERSION,
} from './fixture-tree';

export function run(f: Fixture, extra: Partial<GenerateOptions> = {}): { spec: CdiSpec; warnings: string[] } {
  const logger = memoryLogger('warning');
  const spec = generateSpec(
    { driverRoot: f.driverRoot, procRoot: f.procRoot, hostDriverRoot: '/', logger, ...extra },
    f.fs,
  );
  assert.deepEqual(validateSpec(spec), [], 'every generated spec passes the validator');
  const warnings = logger.lines.map(
    (l) => JSON.parse(`"${/msg="((?:[^"\\]|\\.)*)"/.exec(l)?.[1] ?? ''}"`) as string,
  );
  return { spec, warnings };
}

export async function withFixture(
  o: FixtureOptions,
  body: (f: Fixture) => void | Promise<void>,
): Promise<void> {
  const f = await buildFixture(o);
  try {
    await body(f);
  } finally {
    await f.cleanup();
  }
}

export const names = (s: CdiSpec) => s.devices.map((d) => d.name);
export const nodesOf = (s: CdiSpec, name: string) =>
  s.devices.find((d) => d.name === name)?.containerEdits.deviceNodes;
export const node = (path: string, major: number, minor: number, hostPath?: string): CdiDeviceNode =>
  hostPath ? { path, hostPath, type: 'c', major, minor } : { path, type: 'c', major, minor };
export const RO = ['ro', 'nosuid', 'nodev', 'bind'];
export const libMounts = (omit: readonly string[] = []) =>
  DRIVER_LIBS.filter((l) => !omit.includes(l)).map((l) => `${LIB_DIR}/${l}.so.${VERSION}`);
export const fileMounts = (omit: readonly string[] = []) => [
  ...libMounts(omit),
  ...BINARIES.map((b) => `/usr/bin/${b}`),
  `/lib/firmware/nvidia/${VERSION}/gsp_ga10x.bin`,
  `/lib/firmware/nvidia/${VERSION}/gsp_tu10x.bin`,
];
export const HOOKS = [
  {
    hookName: 'createContainer',
    path: '/usr/bin/nvidia-cdi-hook',
    args: ['nvidia-cdi-hook', 'create-symlinks', '--link', `libcuda.so.1::${LIB_DIR}/libcuda.so`],
  },
  {
    hookName: 'createContainer',
    path: '/usr/bin/nvidia-cdi-hook',
    args: ['nvidia-cdi-hook', 'update-ldcache', '--folder', LIB_DIR],
  },
];
export const CONTROL = [
  node('/dev/nvidiactl', MAJORS.nvidia, 255),
  node('/dev/nvidia-uvm', MAJORS.uvm, 0),
  node('/dev/nvidia-uvm-tools', MAJORS.uvm, 1),
  node('/dev/nvidia-modeset', MAJORS.nvidia, 254),
];
