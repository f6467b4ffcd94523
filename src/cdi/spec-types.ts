/**
 * The CDI (Container Device Interface) spec document as this tool writes it. Field names and order follow the
 * CDI specification (cncf-tags/container-device-interface SPEC.md, v1.1.0); optional fields are omitted, never
 * written as null, because a spec loader rejects unknown or mistyped fields.
 */
export interface CdiDeviceNode {
  /** Path inside the container. */
  path: string;
  /** Path on the host when it differs from `path` (needs cdiVersion 0.5.0). */
  hostPath?: string;
  /** `c` (char), `b` (block), `u` (unbuffered char) or `p` (fifo). */
  type?: string;
  major?: number;
  minor?: number;
  fileMode?: number;
  /** Cgroup access: any of `r`, `w`, `m`. */
  permissions?: string;
  uid?: number;
  gid?: number;
}

export interface CdiMount {
  hostPath: string;
  containerPath: string;
  /** Needs cdiVersion 0.4.0. */
  type?: string;
  options?: string[];
}

export const HOOK_NAMES = [
  'prestart',
  'createRuntime',
  'createContainer',
  'startContainer',
  'poststart',
  'poststop',
] as const;
export type HookName = (typeof HOOK_NAMES)[number];

export interface CdiHook {
  hookName: HookName;
  path: string;
  args?: string[];
  env?: string[];
  timeout?: number;
}

export interface CdiNetDevice {
  hostInterfaceName: string;
  name: string;
}

export interface CdiIntelRdt {
  closID?: string;
  l3CacheSchema?: string;
  memBwSchema?: string;
  /** Needs cdiVersion 1.1.0. */
  schemata?: string[];
  /** Needs cdiVersion 1.1.0. */
  enableMonitoring?: boolean;
}

export interface ContainerEdits {
  env?: string[];
  deviceNodes?: CdiDeviceNode[];
  mounts?: CdiMount[];
  hooks?: CdiHook[];
  /** Needs cdiVersion 0.7.0. */
  intelRdt?: CdiIntelRdt;
  /** Needs cdiVersion 0.7.0. */
  additionalGids?: number[];
  /** Needs cdiVersion 1.1.0. */
  netDevices?: CdiNetDevice[];
}

export interface CdiDevice {
  name: string;
  /** Needs cdiVersion 0.6.0. */
  annotations?: Record<string, string>;
  containerEdits: ContainerEdits;
}

export interface CdiSpec {
  cdiVersion: string;
  /** `<vendor>/<class>`, e.g. `nvidia.com/gpu`. */
  kind: string;
  /** Needs cdiVersion 0.6.0. */
  annotations?: Record<string, string>;
  devices: CdiDevice[];
  /** Applied whenever any device of this spec is requested. */
  containerEdits?: ContainerEdits;
}

/** Every version a CDI loader accepts, oldest first (0.8.0 and 1.0.0 changed only the Go API). */
export const CDI_VERSIONS = [
  '0.1.0',
  '0.2.0',
  '0.3.0',
  '0.4.0',
  '0.5.0',
  '0.6.0',
  '0.7.0',
  '0.8.0',
  '1.0.0',
  '1.1.0',
] as const;
export type CdiVersion = (typeof CDI_VERSIONS)[number];

/** The version written when the content needs nothing newer: the oldest one current loaders still accept. */
export const BASE_CDI_VERSION: CdiVersion = '0.3.0';
