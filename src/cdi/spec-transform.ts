/**
 * Root rewriting: discovery runs where the driver's files are visible to us (for the toolkit installer, a
 * container-side mount such as /driver-root), but the spec is read by the host's container engine, so its
 * host paths must name the host-side location (such as /run/nvidia/driver). Only host-side fields change:
 * device-node and mount `hostPath` and hook `path`; container paths and hook arguments are left alone.
 */
import type { CdiDeviceNode, CdiSpec, ContainerEdits } from './spec-types';

export type TransformScope = 'all' | 'deviceNodes' | 'mounts' | 'hooks';

function trimRoot(p: string): string {
  const t = p.replace(/\/+$/, '');
  return t === '' ? '/' : t;
}

/** `p` moved from under `from` to under `to`; unchanged when it is not under `from` (component-wise). */
export function rewritePath(p: string, from: string, to: string): string {
  const f = trimRoot(from);
  const t = trimRoot(to);
  if (f === t) return p;
  let rest: string;
  if (f === '/') rest = p;
  else if (p === f) rest = '/';
  else if (p.startsWith(`${f}/`)) rest = p.slice(f.length);
  else return p;
  if (t === '/') return rest;
  return rest === '/' ? t : `${t}${rest}`;
}

function node(n: CdiDeviceNode, from: string, to: string): CdiDeviceNode {
  const host = rewritePath(n.hostPath ?? n.path, from, to);
  const { path, hostPath: _old, ...rest } = n;
  // Keep the field order (path, hostPath, …) and drop hostPath when it says the same as path.
  return host === path ? { path, ...rest } : { path, hostPath: host, ...rest };
}

function edits(e: ContainerEdits, from: string, to: string, scope: TransformScope): ContainerEdits {
  const on = (s: TransformScope) => scope === 'all' || scope === s;
  const out: ContainerEdits = { ...e };
  if (e.deviceNodes && on('deviceNodes')) out.deviceNodes = e.deviceNodes.map((n) => node(n, from, to));
  if (e.mounts && on('mounts')) {
    out.mounts = e.mounts.map((m) => ({ ...m, hostPath: rewritePath(m.hostPath, from, to) }));
  }
  if (e.hooks && on('hooks')) out.hooks = e.hooks.map((h) => ({ ...h, path: rewritePath(h.path, from, to) }));
  return out;
}

/** A copy of `spec` with host paths under `from` moved under `to`. The input is not modified. */
export function transformRoot(
  spec: CdiSpec,
  from: string,
  to: string,
  scope: TransformScope = 'all',
): CdiSpec {
  const out: CdiSpec = {
    ...spec,
    devices: spec.devices.map((d) => ({ ...d, containerEdits: edits(d.containerEdits, from, to, scope) })),
  };
  if (spec.containerEdits) out.containerEdits = edits(spec.containerEdits, from, to, scope);
  return out;
}
