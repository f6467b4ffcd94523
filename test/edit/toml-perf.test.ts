import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { applyToml, cloneToml, parseToml, type TomlTable } from '../../src/edit/toml';
import { tableAt } from './toml-fixtures';

const RUNTIMES = 5000;

/** A v2 file with RUNTIMES runtime tables, each with an options table (about 1 MB). */
function bigConfig(): string {
  const out = [
    'version = 2',
    '',
    '[plugins."io.containerd.grpc.v1.cri"]',
    '  sandbox_image = "registry.k8s.io/pause:3.9"',
    '',
    '[plugins."io.containerd.grpc.v1.cri".containerd]',
    '  default_runtime_name = "runc"',
    '',
  ];
  for (let i = 0; i < RUNTIMES; i++) {
    const table = `[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.rt${i}]`;
    out.push(table, '  runtime_type = "io.containerd.runc.v2"', '');
    out.push(`${table.slice(0, -1)}.options]`, `  BinaryName = "/usr/bin/rt${i}"`, '');
  }
  return out.join('\n');
}

describe('toml editor performance', () => {
  it('parses, plans and applies three new runtimes in a 1 MB config without quadratic work', (t) => {
    const text = bigConfig();
    let best = Number.POSITIVE_INFINITY;
    let out = '';
    let doc = parseToml('', 'empty');
    for (let round = 0; round < 3; round++) {
      const started = performance.now();
      doc = parseToml(text, 'big.toml');
      const target: TomlTable = cloneToml(doc.value);
      const rts = tableAt(target, 'plugins', 'io.containerd.grpc.v1.cri', 'containerd', 'runtimes');
      for (const name of ['nvidia', 'nvidia-cdi', 'nvidia-legacy']) {
        rts[name] = { runtime_type: 'io.containerd.runc.v2', options: { BinaryName: `/usr/bin/${name}` } };
      }
      out = applyToml(doc, target);
      best = Math.min(best, performance.now() - started);
    }
    t.diagnostic(
      `${(text.length / 1e6).toFixed(2)} MB, ${RUNTIMES} runtimes: parse+plan+apply best of 3 = ${best.toFixed(0)} ms`,
    );
    const block = (n: string) =>
      `\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${n}]\n  runtime_type = "io.containerd.runc.v2"\n` +
      `\n[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.${n}.options]\n  BinaryName = "/usr/bin/${n}"\n`;
    assert.equal(out, text + block('nvidia') + block('nvidia-cdi') + block('nvidia-legacy'));
    // About 90 ms on an idle machine (it was 400 with toml-eslint-parser); the bound only catches quadratic
    // regressions on a busy one.
    assert.ok(best < 2000, `took ${best.toFixed(0)} ms`);
  });
});
