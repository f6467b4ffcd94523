import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import {
  compareBusIds,
  compareNatural,
  parseDeviceFileMinor,
  parseDriverVersion,
  parseGpuInformation,
  parseProcDevices,
} from '../../src/cdi/proc-parse';

describe('procfs parsers', () => {
  test("information: model, UUID, minor and bus location with the driver's tab padding", () => {
    const text =
      'Model: \t\t NVIDIA H100 80GB HBM3\nIRQ:   \t\t 0\nGPU UUID: \t GPU-8d4a5e21-4a5c-9f0a-4b1e-2e6f2c6a9f10\n' +
      'Video BIOS: \t 96.00.99.00.01\nBus Type: \t PCIe\nBus Location: \t 0000:18:00.0\nDevice Minor: \t 3\nGPU Excluded:\t No\n';
    assert.deepEqual(parseGpuInformation(text), {
      model: 'NVIDIA H100 80GB HBM3',
      uuid: 'GPU-8d4a5e21-4a5c-9f0a-4b1e-2e6f2c6a9f10',
      minor: 3,
      busLocation: '0000:18:00.0',
    });
  });

  test("information: an unprivileged reader's masked UUID and a missing minor are unknown, not values", () => {
    const got = parseGpuInformation(
      'Model: \t\t Tesla T4\nGPU UUID: \t GPU-????????-????-????-????-????????????\n',
    );
    assert.equal(got.uuid, undefined);
    assert.equal(got.minor, undefined);
    assert.equal(got.model, 'Tesla T4');
  });

  test('version: proprietary and open kernel module lines', () => {
    assert.equal(
      parseDriverVersion(
        'NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\nGCC version:  gcc 12\n',
      ),
      '550.54.15',
    );
    assert.equal(
      parseDriverVersion(
        'NVRM version: NVIDIA UNIX Open Kernel Module for x86_64  560.35.03  Release Build  (dvs-builder@U16)\n',
      ),
      '560.35.03',
    );
    assert.equal(parseDriverVersion('NVRM version: NVIDIA UNIX aarch64 Kernel Module  535.104\n'), '535.104');
    assert.equal(parseDriverVersion('GCC version: 12.2.0\n'), undefined);
  });

  test('capability access files give DeviceFileMinor', () => {
    assert.equal(parseDeviceFileMinor('DeviceFileMinor: 12\nDeviceFileMode: 292\nDeviceFileModify: 1\n'), 12);
    assert.equal(parseDeviceFileMinor('DeviceFileMode: 292\n'), undefined);
  });

  test('/proc/devices: character majors only, block section ignored', () => {
    const m = parseProcDevices(
      'Character devices:\n  1 mem\n195 nvidia-frontend\n508 nvidia-uvm\n\nBlock devices:\n  8 sd\n259 blkext\n',
    );
    assert.deepEqual(
      [...m],
      [
        ['mem', 1],
        ['nvidia-frontend', 195],
        ['nvidia-uvm', 508],
      ],
    );
  });

  test('bus ids sort numerically by domain, bus, device, function (hex, any case)', () => {
    const ids = ['0000:DB:00.0', '0000:1a:00.0', '0001:05:00.0', '0000:9a:00.0', '0000:9a:00.1', 'garbage'];
    assert.deepEqual([...ids].sort(compareBusIds), [
      '0000:1a:00.0',
      '0000:9a:00.0',
      '0000:9a:00.1',
      '0000:DB:00.0',
      '0001:05:00.0',
      'garbage',
    ]);
  });

  test('natural order puts nvidia2 before nvidia10', () => {
    assert.deepEqual(['nvidia10', 'nvidia2', 'nvidia-modeset', 'nvidia1', 'nvidiactl'].sort(compareNatural), [
      'nvidia1',
      'nvidia2',
      'nvidia10',
      'nvidia-modeset',
      'nvidiactl',
    ]);
  });
});
