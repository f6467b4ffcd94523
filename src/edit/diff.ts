/**
 * Unified diff of two texts (for `--dry-run`). Edits made by this tool are small and local, so the common
 * prefix and suffix are cut first and only the middle is aligned (LCS), which keeps large files cheap.
 */
export function unifiedDiff(
  oldText: string,
  newText: string,
  oldName: string,
  newName: string,
  context = 3,
): string {
  if (oldText === newText) return '';
  const a = splitLines(oldText);
  const b = splitLines(newText);
  let pre = 0;
  while (pre < a.length && pre < b.length && a[pre] === b[pre]) pre++;
  let suf = 0;
  while (suf < a.length - pre && suf < b.length - pre && a[a.length - 1 - suf] === b[b.length - 1 - suf])
    suf++;
  const ops = align(a.slice(pre, a.length - suf), b.slice(pre, b.length - suf));
  const all: Op[] = [
    ...a.slice(0, pre).map((l) => ({ t: ' ' as const, l })),
    ...ops,
    ...a.slice(a.length - suf).map((l) => ({ t: ' ' as const, l })),
  ];
  return `--- ${oldName}\n+++ ${newName}\n${hunks(all, context)}`;
}

type Op = { t: ' ' | '-' | '+'; l: string };

function splitLines(text: string): string[] {
  if (text === '') return [];
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  else lines[lines.length - 1] += '\n\\ No newline at end of file';
  return lines;
}

function align(a: string[], b: string[]): Op[] {
  const n = a.length;
  const m = b.length;
  const lcs: number[][] = Array.from({ length: n + 1 }, () => new Array<number>(m + 1).fill(0));
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
    }
  }
  const out: Op[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      out.push({ t: ' ', l: a[i++]! });
      j++;
    } else if (i < n && (j === m || lcs[i + 1]![j]! >= lcs[i]![j + 1]!)) out.push({ t: '-', l: a[i++]! });
    else out.push({ t: '+', l: b[j++]! });
  }
  return out;
}

function hunks(ops: Op[], context: number): string {
  const changed = ops.flatMap((o, i) => (o.t === ' ' ? [] : [i]));
  const groups: [number, number][] = [];
  for (const i of changed) {
    const last = groups[groups.length - 1];
    if (last && i - last[1] <= 2 * context + 1) last[1] = i;
    else groups.push([i, i]);
  }
  let out = '';
  for (const [first, last] of groups) {
    const start = Math.max(0, first - context);
    const end = Math.min(ops.length, last + context + 1);
    const slice = ops.slice(start, end);
    const before = ops.slice(0, start);
    const oldStart = before.filter((o) => o.t !== '+').length;
    const newStart = before.filter((o) => o.t !== '-').length;
    const oldLen = slice.filter((o) => o.t !== '+').length;
    const newLen = slice.filter((o) => o.t !== '-').length;
    out += `@@ -${oldLen ? oldStart + 1 : oldStart},${oldLen} +${newLen ? newStart + 1 : newStart},${newLen} @@\n`;
    out += slice.map((o) => `${o.t}${o.l}\n`).join('');
  }
  return out;
}
