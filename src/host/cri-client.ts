/**
 * The one CRI call we need (`RuntimeService/Status {verbose: true}`, what `crictl info` prints) over a unix
 * socket with node:http2, and just enough protobuf to read its answer: no gRPC library, no .proto files.
 * Messages (cri-api runtime/v1, identical in v1alpha2):
 *   StatusRequest    { bool verbose = 1; }
 *   StatusResponse   { RuntimeStatus status = 1; map<string, string> info = 2; }
 *   RuntimeStatus    { repeated RuntimeCondition conditions = 1; }
 *   RuntimeCondition { string type = 1; bool status = 2; string reason = 3; string message = 4; }
 * containerd puts its effective CRI config as JSON under info["config"].
 */
import type http2 from 'node:http2';
import { HostError } from '../errors';

type Field = number | Buffer;
export type ProtoMessage = Map<number, Field[]>;

function readVarint(buf: Buffer, pos: number): [number, number] {
  let value = 0;
  let scale = 1;
  for (let i = 0; i < 10; i++) {
    if (pos >= buf.length) throw new Error('truncated varint');
    const b = buf[pos++]!;
    value += (b & 0x7f) * scale; // multiplication, not <<, so values above 2^31 stay right
    if ((b & 0x80) === 0) return [value, pos];
    scale *= 128;
  }
  throw new Error('varint longer than 10 bytes');
}

/** Decodes one protobuf message into field number → values (varints as numbers, everything else as bytes). */
export function decodeProto(buf: Buffer): ProtoMessage {
  const out: ProtoMessage = new Map();
  let pos = 0;
  while (pos < buf.length) {
    let key: number;
    [key, pos] = readVarint(buf, pos);
    const wire = key % 8;
    const field = Math.floor(key / 8);
    let value: Field;
    if (wire === 0) {
      [value, pos] = readVarint(buf, pos);
    } else if (wire === 2) {
      let len: number;
      [len, pos] = readVarint(buf, pos);
      if (pos + len > buf.length) throw new Error('truncated length-delimited field');
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else if (wire === 1 || wire === 5) {
      const len = wire === 1 ? 8 : 4;
      value = buf.subarray(pos, pos + len);
      pos += len;
    } else {
      throw new Error(`unsupported protobuf wire type ${wire}`);
    }
    const list = out.get(field) ?? [];
    list.push(value);
    out.set(field, list);
  }
  return out;
}

const bytes = (m: ProtoMessage, f: number): Buffer[] =>
  (m.get(f) ?? []).filter((v): v is Buffer => Buffer.isBuffer(v));
const text = (m: ProtoMessage, f: number): string => bytes(m, f)[0]?.toString('utf8') ?? '';

export interface RuntimeCondition {
  type: string;
  status: boolean;
  reason: string;
  message: string;
}

export interface RawCriStatus {
  conditions: RuntimeCondition[];
  info: Record<string, string>;
}

export function decodeStatusResponse(payload: Buffer): RawCriStatus {
  const msg = decodeProto(payload);
  const status = bytes(msg, 1)[0];
  const conditions = status
    ? bytes(decodeProto(status), 1).map((c) => {
        const d = decodeProto(c);
        return { type: text(d, 1), status: d.get(2)?.[0] === 1, reason: text(d, 3), message: text(d, 4) };
      })
    : [];
  const info: Record<string, string> = {};
  for (const entry of bytes(msg, 2)) {
    const kv = decodeProto(entry);
    info[text(kv, 1)] = text(kv, 2);
  }
  return { conditions, info };
}

/** A gRPC call that ended with a non-zero grpc-status (12 = UNIMPLEMENTED: unknown service or method). */
export class GrpcStatusError extends HostError {
  readonly grpcCode: number;
  constructor(grpcCode: number, message: string) {
    super(message);
    this.grpcCode = grpcCode;
  }
}

/** Frames a message as gRPC does: 1 byte "compressed" flag (0), 4 bytes big-endian length, the message. */
export function grpcFrame(message: Buffer): Buffer {
  const head = Buffer.alloc(5);
  head.writeUInt32BE(message.length, 1);
  return Buffer.concat([head, message]);
}

function firstFrame(body: Buffer): Buffer {
  if (body.length < 5) throw new Error(`short gRPC response (${body.length} bytes)`);
  if (body[0] !== 0) throw new Error('compressed gRPC response (none was requested)');
  const len = body.readUInt32BE(1);
  if (body.length < 5 + len) throw new Error('truncated gRPC response');
  return body.subarray(5, 5 + len);
}

/** One unary gRPC call over a unix socket; resolves with the response message bytes. */
export function grpcUnary(socket: string, path: string, request: Buffer, timeoutMs: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    let done = false;
    // Loaded on first use: http2 (and tls under it) cost milliseconds at start-up, and only verification needs them.
    const { connect } = require('node:http2') as typeof import('node:http2');
    const net = require('node:net') as typeof import('node:net');
    const session = connect('http://localhost', { createConnection: () => net.connect(socket) });
    const finish = (err: Error | undefined, value?: Buffer) => {
      if (done) return;
      done = true;
      clearTimeout(timer);
      session.destroy();
      if (err) reject(err);
      else resolve(value!);
    };
    const timer = setTimeout(
      () => finish(new Error(`no answer from ${socket} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    session.on('error', (e) => finish(e));
    const req = session.request({
      ':method': 'POST',
      ':path': path,
      'content-type': 'application/grpc',
      te: 'trailers',
    });
    const chunks: Buffer[] = [];
    let grpcStatus: string | undefined;
    let grpcMessage = '';
    const grab = (h: http2.IncomingHttpHeaders) => {
      const s = h['grpc-status'];
      if (s === undefined) return;
      grpcStatus = String(s);
      const m = h['grpc-message'];
      grpcMessage = typeof m === 'string' ? safeDecode(m) : '';
    };
    req.on('response', grab);
    req.on('trailers', grab);
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('error', (e: Error & { cause?: unknown }) => finish(e.cause instanceof Error ? e.cause : e));
    req.on('end', () => {
      if (grpcStatus !== '0') {
        const code = Number(grpcStatus ?? 2);
        finish(
          new GrpcStatusError(code, `grpc-status ${grpcStatus ?? 'missing'}: ${grpcMessage || 'no message'}`),
        );
        return;
      }
      try {
        finish(undefined, firstFrame(Buffer.concat(chunks)));
      } catch (e) {
        finish(e as Error);
      }
    });
    req.end(grpcFrame(request));
  });
}

function safeDecode(s: string): string {
  try {
    return decodeURIComponent(s);
  } catch {
    return s;
  }
}

/** StatusRequest{verbose: true}: field 1, varint, value 1. */
const STATUS_VERBOSE = Buffer.from([0x08, 0x01]);
export const CRI_APIS = ['runtime.v1', 'runtime.v1alpha2'] as const;
export type CriApi = (typeof CRI_APIS)[number];

/** `RuntimeService/Status {verbose: true}`, trying runtime.v1 and then runtime.v1alpha2 (containerd < 1.7 era). */
export async function criStatusRaw(
  socket: string,
  timeoutMs: number,
): Promise<RawCriStatus & { api: CriApi }> {
  let unimplemented: GrpcStatusError | undefined;
  for (const api of CRI_APIS) {
    try {
      const payload = await grpcUnary(socket, `/${api}.RuntimeService/Status`, STATUS_VERBOSE, timeoutMs);
      return { ...decodeStatusResponse(payload), api };
    } catch (err) {
      if (!(err instanceof GrpcStatusError) || err.grpcCode !== 12) throw err;
      unimplemented ??= err;
    }
  }
  throw unimplemented!;
}
