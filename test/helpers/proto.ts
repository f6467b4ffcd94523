/** A tiny protobuf encoder, only for building the answers of fake CRI servers in tests. */
export const varint = (n: number): number[] => {
  const out: number[] = [];
  while (n >= 0x80) {
    out.push((n % 0x80) | 0x80);
    n = Math.floor(n / 0x80);
  }
  return [...out, n];
};

/** A length-delimited field. */
export const bytesField = (field: number, v: string | Buffer): Buffer => {
  const b = typeof v === 'string' ? Buffer.from(v) : v;
  return Buffer.concat([Buffer.from([...varint(field * 8 + 2), ...varint(b.length)]), b]);
};

export const boolField = (field: number, v: boolean): Buffer =>
  Buffer.from([...varint(field * 8), v ? 1 : 0]);

/** A CRI StatusResponse: conditions as [type, status, reason, message], and the info map. */
export function statusResponse(
  conditions: [string, boolean, string, string][],
  info: Record<string, string>,
): Buffer {
  const status = Buffer.concat(
    conditions.map(([t, s, r, m]) =>
      bytesField(1, Buffer.concat([bytesField(1, t), boolField(2, s), bytesField(3, r), bytesField(4, m)])),
    ),
  );
  const entries = Object.entries(info).map(([k, v]) =>
    bytesField(2, Buffer.concat([bytesField(1, k), bytesField(2, v)])),
  );
  return Buffer.concat([bytesField(1, status), ...entries]);
}
