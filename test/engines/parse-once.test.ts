/**
 * One parse per file as read (issue 11 item 3): when someone else edited a file since setup, the ledger's
 * rebase and the repeated setup's baseline start from the same document instead of parsing it twice.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { ConfigDoc } from '../../src/engines/document';
import { baselineOf, type ParseDoc, parseOnce, rebaseEntry } from '../../src/engines/owners';
import { emptyLedger, planSetup } from '../../src/engines/plan';
import { runtimeSet } from '../../src/runtimes/runtime-set';

const PATH = '/etc/containerd/config.toml';
const ORIGINAL =
  'version = 2\n\n[plugins."io.containerd.grpc.v1.cri".containerd]\n  default_runtime_name = "runc"\n';

function setup(text: string, ledger = emptyLedger(), owner = 'nvidia') {
  return planSetup(
    {
      engine: 'containerd',
      owner,
      runtimes: runtimeSet({ name: owner, setAsDefault: true, dir: '/usr/local/nvidia/toolkit' }),
      enableCdi: false,
      containerd: { runtimeType: 'io.containerd.runc.v2', annotationPrefixes: [], useLegacyConfig: false },
      main: { path: PATH, text },
    },
    ledger,
  );
}

test('parseOnce keeps the document of a text it has parsed, and parses a different text again', () => {
  const parse = parseOnce('toml');
  const a = parse(ORIGINAL, PATH);
  assert.equal(parse(ORIGINAL, PATH), a);
  const edited = `${ORIGINAL}# edited\n`;
  const b = parse(edited, PATH);
  assert.notEqual(b, a);
  assert.equal(b.text, edited);
  assert.notEqual(parse(ORIGINAL, '/other.toml'), a, 'another path is another document');
});

test('the rebase and the baseline of a shared file someone else edited share one document', () => {
  // two owners (setups with different runtime names), then an edit by someone else
  const first = setup(ORIGINAL);
  const second = setup(first.writes[0]?.after ?? '', first.ledger, 'other');
  const written = second.writes[0]?.after;
  assert.ok(written);
  const edited = `# a line of someone else's\n${written}`;
  const memo = parseOnce('toml');
  const seen: ConfigDoc[] = [];
  const parse: ParseDoc = (text, path) => {
    const doc = memo(text, path);
    if (text === edited) seen.push(doc);
    return doc;
  };
  const entry = structuredClone(second.ledger.files[PATH]);
  assert.ok(entry);
  rebaseEntry(entry, PATH, edited, parse);
  baselineOf(entry, 'nvidia', { path: PATH, text: edited }, parse);
  assert.equal(seen.length, 2, 'both asked for the file as read');
  assert.equal(seen[0], seen[1], 'and got the same document');
  // the plan built on it keeps the other edit, in the file and in the ledger's original
  const again = setup(edited, second.ledger);
  assert.match(again.writes[0]?.after ?? edited, /^# a line of someone else's\n/);
  assert.match(again.ledger.files[PATH]?.original ?? '', /^# a line of someone else's\n/);
});
