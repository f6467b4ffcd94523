import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import http2 from 'node:http2';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { decodeProto, decodeStatusResponse, GrpcStatusError, grpcUnary } from '../../src/host/cri-client';
import { criStatus } from '../../src/host/engine-status';
import { bytesField, statusResponse, varint } from '../helpers/proto';

let tmp: string;
before(() => {
  tmp = mkdtempSync('/tmp/ctk-cri-');
});
after(() => rmSync(tmp, { recursive: true, force: true }));

describe('protobuf and CRI decoding', () => {
  test('varints above 2^31, bytes fields and repeated fields decode', () => {
    const msg = decodeProto(
      Buffer.concat([Buffer.from([0x08, ...varint(2 ** 40 + 5)]), bytesField(2, 'a'), bytesField(2, 'b')]),
    );
    assert.deepEqual(msg.get(1), [2 ** 40 + 5]);
    assert.deepEqual(msg.get(2)?.map(String), ['a', 'b']);
    assert.throws(() => decodeProto(Buffer.from([0x12, 0x05, 0x61])), /truncated/);
  });

  test('StatusResponse: conditions and the info map', () => {
    const r = decodeStatusResponse(
      statusResponse(
        [
          ['RuntimeReady', true, '', ''],
          ['NetworkReady', false, 'NoCNI', 'cni'],
        ],
        { config: '{}' },
      ),
    );
    assert.deepEqual(r.conditions, [
      { type: 'RuntimeReady', status: true, reason: '', message: '' },
      { type: 'NetworkReady', status: false, reason: 'NoCNI', message: 'cni' },
    ]);
    assert.deepEqual(r.info, { config: '{}' });
  });
});

describe('gRPC over a unix socket (fake server)', () => {
  test('CRI: runtime.v1 unimplemented falls back to runtime.v1alpha2; the request is Status{verbose:true}', async () => {
    const socket = join(tmp, 'fake-cri.sock');
    const seen: string[] = [];
    const server = http2.createServer((req, res) => {
      const body: Buffer[] = [];
      req.on('data', (c: Buffer) => body.push(c));
      req.on('end', () => {
        seen.push(`${req.url} ${Buffer.concat(body).toString('hex')}`);
        if (req.url.startsWith('/runtime.v1.')) {
          res.writeHead(200, {
            'content-type': 'application/grpc',
            'grpc-status': '12',
            'grpc-message': 'unknown%20service',
          });
          res.end();
          return;
        }
        const config = {
          containerd: {
            defaultRuntimeName: 'nvidia',
            runtimes: { nvidia: { runtimeType: 'io.containerd.runc.v2', options: { BinaryName: '/nv' } } },
          },
        };
        const msg = statusResponse([['RuntimeReady', true, '', '']], { config: JSON.stringify(config) });
        const head = Buffer.alloc(5);
        head.writeUInt32BE(msg.length, 1);
        res.writeHead(200, { 'content-type': 'application/grpc' });
        res.addTrailers({ 'grpc-status': '0' });
        res.end(Buffer.concat([head, msg]));
      });
    });
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      const st = await criStatus(socket, 2000);
      assert.equal(st.api, 'runtime.v1alpha2');
      assert.deepEqual(st.runtimes, {
        nvidia: { runtimeType: 'io.containerd.runc.v2', options: { BinaryName: '/nv' } },
      });
      assert.equal(st.defaultRuntimeName, 'nvidia');
      assert.deepEqual(seen, [
        '/runtime.v1.RuntimeService/Status 00000000020801',
        '/runtime.v1alpha2.RuntimeService/Status 00000000020801',
      ]);
    } finally {
      server.close();
    }
  });

  test('a non-zero grpc-status is a GrpcStatusError with the decoded message', async () => {
    const socket = join(tmp, 'fake-err.sock');
    const server = http2.createServer((req, res) => {
      req.resume();
      req.on('end', () => {
        res.writeHead(200, {
          'content-type': 'application/grpc',
          'grpc-status': '14',
          'grpc-message': 'shutting%20down',
        });
        res.end();
      });
    });
    await new Promise<void>((r) => server.listen(socket, r));
    try {
      await assert.rejects(grpcUnary(socket, '/x.Y/Z', Buffer.alloc(0), 2000), (e: unknown) => {
        assert.ok(e instanceof GrpcStatusError);
        assert.equal(e.grpcCode, 14);
        assert.equal(e.message, 'grpc-status 14: shutting down');
        return true;
      });
    } finally {
      server.close();
    }
  });
});
