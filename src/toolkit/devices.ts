/**
 * The control device nodes the installer creates with CDI enabled (upstream-behaviour §4.4): their majors come
 * from the driver's entries in /proc/devices, their minors are fixed by the driver.
 */

export interface ControlNode {
  readonly name: string;
  /** The /proc/devices entry whose major the node uses. */
  readonly driver: 'nvidia' | 'nvidia-uvm';
  readonly minor: number;
}

export const CONTROL_NODES: readonly ControlNode[] = [
  { name: 'nvidiactl', driver: 'nvidia', minor: 255 },
  { name: 'nvidia-modeset', driver: 'nvidia', minor: 254 },
  { name: 'nvidia-uvm', driver: 'nvidia-uvm', minor: 0 },
  { name: 'nvidia-uvm-tools', driver: 'nvidia-uvm', minor: 1 },
];

/** Character-device majors by name from /proc/devices text (the block section is ignored). */
export function parseProcDevices(text: string): Map<string, number> {
  const majors = new Map<string, number>();
  let inChar = false;
  for (const line of text.split('\n')) {
    const t = line.trim();
    if (t === 'Character devices:') inChar = true;
    else if (t === 'Block devices:') inChar = false;
    else if (inChar) {
      const m = /^(\d+)\s+(\S+)$/.exec(t);
      if (m && !majors.has(m[2]!)) majors.set(m[2]!, Number(m[1]));
    }
  }
  return majors;
}
