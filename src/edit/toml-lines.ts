/**
 * Line geometry of a TOML text: where each line starts and ends, and which lines are blank. Every edit the
 * TOML editor makes covers whole lines, so this is the one place that knows about `\n` versus `\r\n` and
 * about the byte-order mark (which sits before line 0 and is never part of any edit).
 */
export class Lines {
  readonly text: string;
  /** Offset of the first character of each line (line 0 starts after a BOM). */
  readonly starts: number[];
  readonly bomLength: number;

  constructor(text: string) {
    this.text = text;
    this.bomLength = text.charCodeAt(0) === 0xfeff ? 1 : 0;
    const starts = [this.bomLength];
    let i = text.indexOf('\n', this.bomLength);
    while (i !== -1) {
      starts.push(i + 1);
      i = text.indexOf('\n', i + 1);
    }
    // A final line break does not open another line.
    if (starts.length > 1 && starts[starts.length - 1] === text.length) starts.pop();
    this.starts = starts;
  }

  get count(): number {
    return this.starts.length;
  }

  start(line: number): number {
    return this.starts[line] ?? this.text.length;
  }

  /** Offset just past the line's break; the text length for a last line without one. */
  after(line: number): number {
    return line + 1 < this.starts.length ? (this.starts[line + 1] as number) : this.text.length;
  }

  /** Offset of the line's end, before its `\n` or `\r\n`. */
  end(line: number): number {
    const next = this.after(line);
    if (next > 0 && this.text.charCodeAt(next - 1) === 10) {
      return next >= 2 && this.text.charCodeAt(next - 2) === 13 ? next - 2 : next - 1;
    }
    return next;
  }

  content(line: number): string {
    return this.text.slice(this.start(line), this.end(line));
  }

  isBlank(line: number): boolean {
    return line >= 0 && line < this.starts.length && /^[ \t]*$/.test(this.content(line));
  }

  /** The leading spaces/tabs of the line. */
  indent(line: number): string {
    return /^[ \t]*/.exec(this.content(line))?.[0] ?? '';
  }

  /** True when the text does not end with a line break (so the last line is unterminated). */
  get unterminated(): boolean {
    return this.text.length > this.bomLength && !this.text.endsWith('\n');
  }

  /** True when `offset` is at the start of a line (including the start of the text after a BOM). */
  isLineStart(offset: number): boolean {
    return offset === this.bomLength || (offset > this.bomLength && this.text.charCodeAt(offset - 1) === 10);
  }

  /** The line containing `offset` (binary search). */
  lineAt(offset: number): number {
    let lo = 0;
    let hi = this.starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if ((this.starts[mid] as number) <= offset) lo = mid;
      else hi = mid - 1;
    }
    return lo;
  }
}
