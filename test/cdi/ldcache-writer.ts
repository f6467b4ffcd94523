/**
 * Writes glibc linker caches for fixture driver roots, in the three layouts ldconfig can produce
 * (`-c new|old|compat`). The parser is also checked against caches made by the real ldconfig
 * (ldcache.test.ts), so this writer is only a convenience for trees that hold no real ELF files.
 */
export interface CacheEntry {
  readonly name: string;
  readonly path: string;
  /** 0x0303 = libc6 x86-64 (default); 0x0003 = libc6 32-bit; 0x0a03 = libc6 aarch64. */
  readonly flags?: number;
}

function strings(entries: readonly CacheEntry[]): { table: Buffer; offsets: Map<string, number> } {
  const offsets = new Map<string, number>();
  const parts: Buffer[] = [];
  let at = 0;
  for (const s of entries.flatMap((e) => [e.name, e.path])) {
    if (offsets.has(s)) continue;
    offsets.set(s, at);
    const b = Buffer.from(`${s}\0`);
    parts.push(b);
    at += b.length;
  }
  return { table: Buffer.concat(parts), offsets };
}

function newTable(entries: readonly CacheEntry[], stringsAt: number, offsets: Map<string, number>): Buffer {
  const head = Buffer.alloc(48);
  head.write('glibc-ld.so.cache1.1', 0, 'latin1');
  head.writeUInt32LE(entries.length, 20);
  head.writeUInt8(2, 28); // little endian
  const body = Buffer.alloc(entries.length * 24);
  entries.forEach((e, i) => {
    body.writeInt32LE(e.flags ?? 0x0303, i * 24);
    body.writeUInt32LE(stringsAt + offsets.get(e.name)!, i * 24 + 4);
    body.writeUInt32LE(stringsAt + offsets.get(e.path)!, i * 24 + 8);
  });
  return Buffer.concat([head, body]);
}

export function writeLdCache(
  entries: readonly CacheEntry[],
  format: 'new' | 'old' | 'compat' = 'new',
): Buffer {
  const { table, offsets } = strings(entries);
  if (format === 'new') {
    const t = newTable(entries, 48 + entries.length * 24, offsets);
    t.writeUInt32LE(table.length, 24);
    return Buffer.concat([t, table]);
  }
  const oldHead = Buffer.alloc(16);
  oldHead.write('ld.so-1.7.0', 0, 'latin1');
  oldHead.writeUInt32LE(entries.length, 12);
  const oldBody = Buffer.alloc(entries.length * 12);
  const oldEnd = 16 + entries.length * 12;
  const newAt = Math.ceil(oldEnd / 8) * 8;
  const newLen = format === 'compat' ? 48 + entries.length * 24 : 0;
  // Strings follow everything; old offsets count from the end of the old table, new ones from the new header.
  const stringsFile = (format === 'compat' ? newAt : oldEnd) + newLen;
  entries.forEach((e, i) => {
    oldBody.writeInt32LE(e.flags ?? 0x0303, i * 12);
    oldBody.writeUInt32LE(stringsFile - oldEnd + offsets.get(e.name)!, i * 12 + 4);
    oldBody.writeUInt32LE(stringsFile - oldEnd + offsets.get(e.path)!, i * 12 + 8);
  });
  if (format === 'old') return Buffer.concat([oldHead, oldBody, table]);
  const pad = Buffer.alloc(newAt - oldEnd);
  const t = newTable(entries, stringsFile - newAt, offsets);
  t.writeUInt32LE(table.length, 24);
  return Buffer.concat([oldHead, oldBody, pad, t, table]);
}
