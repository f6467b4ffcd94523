/**
 * Parsers for the NVIDIA kernel module's procfs files, which let discovery work without NVML (and so without
 * a GPU in tests). Formats as the 5xx drivers write them:
 * - `driver/nvidia/gpus/<bus-id>/information`: `Key: \t value` lines (Model, GPU UUID, Device Minor, Bus Location…)
 * - `driver/nvidia/version`: `NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  <date>` (or
 *   `… Open Kernel Module for x86_64  550.54.15  Release Build …`)
 * - `driver/nvidia/capabilities/…/access`: `DeviceFileMinor: 12` / `DeviceFileMode: 292`
 * - `/proc/devices`: `Character devices:` then `<major> <name>` lines, then `Block devices:`.
 */
export interface GpuInformation {
  readonly model?: string;
  readonly uuid?: string;
  readonly minor?: number;
  readonly busLocation?: string;
}

function fields(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    out.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return out;
}

function uint(v: string | undefined): number | undefined {
  return v !== undefined && /^\d+$/.test(v) ? Number(v) : undefined;
}

export function parseGpuInformation(text: string): GpuInformation {
  const f = fields(text);
  const uuid = f.get('gpu uuid');
  return {
    model: f.get('model') || undefined,
    // Unprivileged readers see `GPU-????????-…`; such a UUID names nothing.
    uuid: uuid && /^GPU-[0-9a-fA-F-]+$/.test(uuid) ? uuid : undefined,
    minor: uint(f.get('device minor')),
    busLocation: f.get('bus location') || undefined,
  };
}

export function parseDriverVersion(text: string): string | undefined {
  const line = text.split('\n').find((l) => l.startsWith('NVRM version:'));
  return line ? /\s(\d+\.\d+(?:\.\d+)?)(?:\s|$)/.exec(line)?.[1] : undefined;
}

export function parseDeviceFileMinor(text: string): number | undefined {
  return uint(fields(text).get('devicefileminor'));
}

/** Character-device majors by driver name (a name may be registered once; the first wins). */
export function parseProcDevices(text: string): Map<string, number> {
  const out = new Map<string, number>();
  let inChar = false;
  for (const line of text.split('\n')) {
    if (/^Character devices:/.test(line)) inChar = true;
    else if (/^Block devices:/.test(line)) inChar = false;
    else if (inChar) {
      const m = /^\s*(\d+)\s+(\S+)\s*$/.exec(line);
      if (m && !out.has(m[2]!)) out.set(m[2]!, Number(m[1]));
    }
  }
  return out;
}

/** `domain:bus:device.function` in hex; sorts like NVML's PCI-bus order. Unparsable ids sort last, by text. */
export function compareBusIds(a: string, b: string): number {
  const key = (id: string) => {
    const m = /^([0-9a-f]+):([0-9a-f]+):([0-9a-f]+)\.([0-9a-f]+)$/i.exec(id);
    return m ? m.slice(1).map((h) => Number.parseInt(h, 16)) : undefined;
  };
  const ka = key(a);
  const kb = key(b);
  if (ka && kb) {
    for (let i = 0; i < 4; i++) if (ka[i] !== kb[i]) return ka[i]! - kb[i]!;
    return 0;
  }
  if (ka) return -1;
  if (kb) return 1;
  return a < b ? -1 : a > b ? 1 : 0;
}

/** Orders `nvidia2` before `nvidia10` and `channel9` before `channel10`. */
export function compareNatural(a: string, b: string): number {
  const ca = a.match(/\d+|\D+/g) ?? [];
  const cb = b.match(/\d+|\D+/g) ?? [];
  for (let i = 0; i < Math.min(ca.length, cb.length); i++) {
    const x = ca[i]!;
    const y = cb[i]!;
    if (x === y) continue;
    const nx = /^\d/.test(x) && /^\d/.test(y);
    if (nx && Number(x) !== Number(y)) return Number(x) - Number(y);
    return x < y ? -1 : 1;
  }
  return ca.length - cb.length;
}
