/**
 * The safety check of applyToml without parsing the whole edited text again (issue 11 item 3): at 1 MB the
 * second full smol-toml parse cost ~13 % of a setup. The edits touch a few sections (a header and its body,
 * up to the next header; the root section before the first header); every other section of the edited text
 * is byte-identical to the original, whose value smol-toml already produced. So only the text of the edited
 * sections is parsed, and what the whole text would parse to is put together from that and the original
 * value, under rules strict enough that the result is exactly smol-toml's for the whole text:
 *
 * - A section (header + body) is a unit of TOML text: each run of edited sections, as edited, must parse on
 *   its own, so it closes every string, array and comment it opens; it must begin at a header (or be the
 *   file's start) and end at a line start, so the next, untouched header is still a header.
 * - With no arrays of tables, the value of a document is the union of its sections' key-values, each at
 *   its header's path. The union holds (the whole text parses) when the header paths are distinct and no
 *   key-value's path (dotted segments included) is a header's path or one of its prefixes; the check also
 *   asks this of the original sections it replaces, so that what they held is known without parsing them.
 *
 * It relies on the original's value being exactly what its text parses to: parseToml deep-freezes it, and
 * the target shares the untouched tables with it (compared by identity), so a stray write to a shared table
 * would otherwise go into both and pass unseen.
 *
 * Anything it cannot prove (arrays of tables anywhere, a run that does not parse or scan, a boundary in the
 * middle of a line, a header or key met twice, a value that differs) answers false, and applyToml falls back
 * to the full parse, whose verdict and error message are the final ones. Only "true" is trusted.
 */
import { parse as parseValues } from 'smol-toml';
import type { Edit } from './apply';
import type { TomlIndex } from './toml-index';
import { type ScanKv, type ScanTable, scanToml } from './toml-scan';
import { atLineStart, dirtyRuns } from './toml-sections';
import { isTable, valueEquals } from './value';

type Table = Record<string, unknown>;

/** A set of table paths closed under prefixes (the root, the empty path, is always in it). */
class PathTrie {
  readonly kids = new Map<string, PathTrie>();
  /**
   * Keys of this table that key-values of the replaced (original) sections made: their first segment
   * below this path, for a section with this header or (through dotted keys) one above it.
   */
  oldKeys: Set<string> | undefined;
  /** True when a header of the edited runs defines exactly this path. */
  newHeader = false;
  /** True when a header of the edited runs defines this path or one below it. */
  newBelow = false;

  add(path: readonly string[], fromNew: boolean): PathTrie {
    let node: PathTrie = this;
    for (const name of path) {
      let kid = node.kids.get(name);
      if (!kid) {
        kid = new PathTrie();
        node.kids.set(name, kid);
      }
      node = kid;
      node.newBelow ||= fromNew;
    }
    return node;
  }

  find(path: readonly string[], length = path.length): PathTrie | undefined {
    let node: PathTrie | undefined = this;
    for (let i = 0; i < length && node; i++) node = node.kids.get(path[i] as string);
    return node;
  }
}

/** A section: the key-values under one header path (the root: the empty path). */
interface Section {
  readonly path: readonly string[];
  readonly kvs: readonly ScanKv[];
}

/**
 * True when `text` (the original with `edits` applied) parses to a value deep-equal to `target`, proven
 * from the edited runs alone; false when that cannot be proven (which says nothing either way).
 */
export function editedTextHolds(
  ix: TomlIndex,
  value: Table,
  edits: readonly Edit[],
  text: string,
  target: Table,
): boolean {
  const tables = ix.scan.tables;
  for (const t of tables) if (t.array) return false;
  const runs = dirtyRuns(tables, ix.lines.text.length, edits);
  const dirty = new Set<ScanTable>();
  const focus = new PathTrie();
  const olds: Section[] = [];
  for (const r of runs) {
    for (let i = r.first; i <= r.last; i++) {
      const t = tables[i - 1];
      if (t) dirty.add(t);
      const s: Section = t ? { path: t.names, kvs: ix.body(t).kvs } : { path: [], kvs: ix.rootKvs };
      olds.push(s);
      focus.add(s.path, false);
    }
  }
  const untouched = new UntouchedHeaders(ix, dirty);
  const news: Section[] = [];
  let added: Table = Object.create(null);
  const bom = text.charCodeAt(0) === 0xfeff ? 1 : 0;
  for (const r of runs) {
    if (r.start > 0 && !atLineStart(text, r.from, bom)) return false;
    if (r.end < ix.lines.text.length && !atLineStart(text, r.to, bom)) return false;
    const piece = text.slice(r.from, r.to);
    let v: Table;
    let scan: ReturnType<typeof scanToml>;
    try {
      v = parseValues(piece, { integersAsBigInt: 'asNeeded' }) as Table;
      scan = scanToml(piece);
    } catch {
      return false;
    }
    if (r.start > 0 && scan.root.kvs.length > 0) return false;
    if (r.start === 0) news.push({ path: [], kvs: scan.root.kvs });
    for (const t of scan.tables) {
      if (t.array) return false;
      const node = focus.add(t.names, true);
      // a header defined twice: twice in the edited runs, or also by a section left as it was
      if (node.newHeader || untouched.defines(t.names)) return false;
      node.newHeader = true;
      news.push({ path: t.names, kvs: scan.body(t).kvs });
    }
    const merged = mergeTables(added, v);
    if (!merged) return false;
    added = merged;
  }
  if (!keysStayKeys(olds, news, focus, untouched, runs[0]?.first === 0)) return false;
  return sameAsTarget(focus, [], value, added, target, untouched);
}

function firstKey(kv: ScanKv): string {
  return (kv.keys[0] as { name: string }).name;
}

/** Which paths the sections left as they were define by headers, from the original's index. */
class UntouchedHeaders {
  constructor(
    private readonly ix: TomlIndex,
    private readonly dirty: ReadonlySet<ScanTable>,
  ) {}

  /** True when an untouched section's header is exactly `path`. */
  defines(path: readonly string[]): boolean {
    const h = this.ix.find(path)?.header;
    return h !== undefined && !this.dirty.has(h.table);
  }

  /** The key-values of the untouched section whose header is exactly `path`, if there is one. */
  kvs(path: readonly string[], rootDirty: boolean): readonly ScanKv[] | undefined {
    if (path.length === 0) return rootDirty ? undefined : this.ix.rootKvs;
    const h = this.ix.find(path)?.header;
    return h && !this.dirty.has(h.table) ? h.kvs : undefined;
  }

  /** True when an untouched header's path is `path` or lies below it (so the table exists through it). */
  reaches(path: readonly string[]): boolean {
    const node = this.ix.find(path);
    if (!node || node.first < 0) return false;
    for (let i = node.first; i <= node.last; i++) {
      const h = this.ix.headers[i];
      if (h && !this.dirty.has(h.table) && h.node.isUnder(node)) return true;
    }
    return false;
  }
}

/**
 * No key-value reaches a path that a header of another section spells or passes through, in the original
 * or in the edited text, wherever an edited section is one of the two. Two exceptions: a key-value of the
 * edited text may take the place of tables that only replaced sections spelled (a table set to a value),
 * and a replaced key-value may have made tables that edited headers spell now (dotted keys turned into a
 * header); what it made is noted for the walk (markOld). A key's first segment suffices for a header path
 * of the untouched sections: those are closed under prefixes.
 */
function keysStayKeys(
  olds: readonly Section[],
  news: readonly Section[],
  focus: PathTrie,
  untouched: UntouchedHeaders,
  rootDirty: boolean,
): boolean {
  for (const s of olds) {
    for (const kv of s.kvs) {
      if (untouched.reaches([...s.path, firstKey(kv)])) return false;
      if (!markOld(focus.find(s.path) as PathTrie, kv)) return false;
    }
  }
  for (const s of news) {
    for (const kv of s.kvs) {
      const path = [...s.path, firstKey(kv)];
      if (focus.find(path)?.newBelow || untouched.reaches(path)) return false;
    }
  }
  const walk = (node: PathTrie, path: string[]): boolean => {
    for (const kv of untouched.kvs(path, rootDirty) ?? []) if (node.kids.has(firstKey(kv))) return false;
    for (const [name, kid] of node.kids) if (!walk(kid, [...path, name])) return false;
    return true;
  };
  return walk(focus, []);
}

/**
 * Notes what a replaced key-value made, at the last path of its keys that an edited header spells (where
 * the walk in sameAsTarget will meet it); false when its whole path is such a path (a value where the
 * edited text has a table).
 */
function markOld(section: PathTrie, kv: ScanKv): boolean {
  let node = section;
  for (const key of kv.keys) {
    const kid = node.kids.get(key.name);
    if (!kid) {
      node.oldKeys ??= new Set();
      node.oldKeys.add(key.name);
      return true;
    }
    node = kid;
  }
  return false;
}

/** A union of two value trees (tables merge; any other value met twice is a conflict: undefined). */
function mergeTables(a: Table, b: Table): Table | undefined {
  const out: Table = Object.create(null);
  for (const k of Object.keys(a)) out[k] = a[k];
  for (const k of Object.keys(b)) {
    if (!Object.hasOwn(out, k)) {
      out[k] = b[k];
      continue;
    }
    const x = out[k];
    const y = b[k];
    if (!isTable(x) || !isTable(y)) return undefined;
    const m = mergeTables(x, y);
    if (!m) return undefined;
    out[k] = m;
  }
  return out;
}

/**
 * Walks the paths the edited sections spell (before and after), comparing the edited document's value with
 * the target: below such a path, a key is the edited runs' (`added`) or the original's (`value`, minus the
 * key-values of the replaced section); everything off those paths is the original's, shared with the target
 * by identity where the planner left it alone.
 */
function sameAsTarget(
  node: PathTrie,
  path: string[],
  value: Table | undefined,
  added: Table | undefined,
  target: unknown,
  untouched: UntouchedHeaders,
): boolean {
  if (!isTable(target)) return false;
  const check = (k: string): boolean => {
    const has = Object.hasOwn(target, k);
    const kid = node.kids.get(k);
    if (kid) {
      const kidPath = [...path, k];
      // a header path: the table exists when a header of the edited text spells it or passes through it;
      // else only replaced sections spelled it, and a key-value of the edited text may stand there now
      if (!kid.newBelow && !untouched.reaches(kidPath)) {
        if (!added || !Object.hasOwn(added, k)) return !has;
        return has && valueEquals(added[k], target[k]);
      }
      const v = value && Object.hasOwn(value, k) ? value[k] : undefined;
      const a = added && Object.hasOwn(added, k) ? added[k] : undefined;
      if ((v !== undefined && !isTable(v)) || (a !== undefined && !isTable(a))) return false;
      return has && sameAsTarget(kid, kidPath, v as Table, a as Table, target[k], untouched);
    }
    const fromOld = value !== undefined && Object.hasOwn(value, k) && !node.oldKeys?.has(k);
    const fromNew = added !== undefined && Object.hasOwn(added, k);
    if (fromOld && fromNew) return false;
    if (!fromOld && !fromNew) return !has;
    return has && valueEquals(fromNew ? added[k] : (value as Table)[k], target[k]);
  };
  for (const k of Object.keys(target)) if (!check(k)) return false;
  if (value) for (const k of Object.keys(value)) if (!Object.hasOwn(target, k) && !check(k)) return false;
  if (added)
    for (const k of Object.keys(added))
      if (!Object.hasOwn(target, k) && !(value && Object.hasOwn(value, k)) && !check(k)) return false;
  return true;
}
