/**
 * Reader for glibc's binary linker cache (`/etc/ld.so.cache`), so discovery finds the driver's libraries where
 * the driver root's own dynamic linker would, without running its ldconfig.
 *
 * Layouts (glibc elf/cache.c, sysdeps/generic/dl-cache.h):
 * - old (`ld.so-1.7.0`): 11-byte magic, u32 count at offset 12, 12-byte entries {i32 flags, u32 key, u32 value};
 *   string offsets are relative to the end of the entry table.
 * - new (`glibc-ld.so.cache1.1`): 48-byte header {magic[20], u32 count, u32 stringsLen, u8 endianness, pad,
 *   u32 extensionOffset, u32[3]}, 24-byte entries {i32 flags, u32 key, u32 value, u32 osVersion, u64 hwcap};
 *   string offsets are relative to the start of this header.
 * - compat: an old table followed, at the next 8-byte boundary, by a new one; the new one wins (as in ld.so).
 */
import { ConfigError } from '../errors';

export interface LdCacheEntry {
  /** The soname, e.g. `libcuda.so.1`. */
  readonly name: string;
  /** Absolute path inside the root the cache belongs to. */
  readonly path: string;
  readonly flags: number;
}

const OLD_MAGIC = 'ld.so-1.7.0';
const NEW_MAGIC = 'glibc-ld.so.cache1.1';
const FLAG_TYPE_MASK = 0x00ff;
const FLAG_ELF_LIBC6 = 0x0003;
/** Required-mask values for 64-bit ABIs (sparc64, ia64, x86-64, s390x, ppc64, mips64 n64, aarch64, riscv, loongarch). */
const ABI_64 = new Set([
  0x0100, 0x0200, 0x0300, 0x0400, 0x0500, 0x0700, 0x0a00, 0x0e00, 0x0f00, 0x1000, 0x1100, 0x1200,
]);

function ascii(buf: Uint8Array, at: number, len: number): string {
  return String.fromCharCode(...buf.subarray(at, at + len));
}

function cString(buf: Uint8Array, at: number, file: string): string {
  if (at >= buf.length) throw new ConfigError(file, `string offset ${at} is past the end of the cache`);
  const end = buf.indexOf(0, at);
  if (end < 0) throw new ConfigError(file, `unterminated string at offset ${at}`);
  return new TextDecoder().decode(buf.subarray(at, end));
}

function parseNew(buf: Uint8Array, base: number, file: string): LdCacheEntry[] {
  if (buf.length < base + 48) throw new ConfigError(file, 'truncated header');
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  // Endianness byte: 0 unset (older glibc, host order — little on every platform NVIDIA ships), 2 little, 3 big.
  const endian = buf[base + 28]! & 3;
  if (endian === 1) throw new ConfigError(file, 'cache marked with invalid endianness');
  const le = endian !== 3;
  const count = view.getUint32(base + 20, le);
  if (base + 48 + count * 24 > buf.length)
    throw new ConfigError(file, `${count} entries do not fit in ${buf.length} bytes`);
  const out: LdCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = base + 48 + i * 24;
    const flags = view.getInt32(at, le);
    out.push({
      name: cString(buf, base + view.getUint32(at + 4, le), file),
      path: cString(buf, base + view.getUint32(at + 8, le), file),
      flags,
    });
  }
  return out;
}

export function parseLdCache(buf: Uint8Array, file: string): LdCacheEntry[] {
  if (buf.length >= 20 && ascii(buf, 0, 20) === NEW_MAGIC) return parseNew(buf, 0, file);
  if (buf.length < 16 || ascii(buf, 0, 11) !== OLD_MAGIC) {
    throw new ConfigError(file, 'not a glibc linker cache (unknown magic)');
  }
  const view = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const count = view.getUint32(12, true);
  const tableEnd = 16 + count * 12;
  if (tableEnd > buf.length)
    throw new ConfigError(file, `${count} entries do not fit in ${buf.length} bytes`);
  const newAt = Math.ceil(tableEnd / 8) * 8;
  if (buf.length >= newAt + 20 && ascii(buf, newAt, 20) === NEW_MAGIC) return parseNew(buf, newAt, file);
  const out: LdCacheEntry[] = [];
  for (let i = 0; i < count; i++) {
    const at = 16 + i * 12;
    out.push({
      name: cString(buf, tableEnd + view.getUint32(at + 4, true), file),
      path: cString(buf, tableEnd + view.getUint32(at + 8, true), file),
      flags: view.getInt32(at, true),
    });
  }
  return out;
}

/** Entries the 64-bit glibc loader uses (drops 32-bit, x32 and libc5 entries). */
export function is64BitLibc6(e: LdCacheEntry): boolean {
  return (e.flags & FLAG_TYPE_MASK) === FLAG_ELF_LIBC6 && ABI_64.has(e.flags & 0xff00);
}
