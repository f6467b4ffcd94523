/**
 * A small logrus-compatible logger: the GPU Operator's users grep the original's
 * `time="…" level=info msg="…"` lines, so the text format keeps that shape; `json` writes one object per line.
 * Output goes to stderr (stdout is reserved for data such as diffs, specs and --output json).
 */
import { writeSync } from 'node:fs';
export type Level = 'debug' | 'info' | 'warning' | 'error';
export type LogFormat = 'text' | 'json';
export type Fields = Readonly<Record<string, string | number | boolean | undefined>>;

const RANK: Record<Level, number> = { debug: 0, info: 1, warning: 2, error: 3 };

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface LoggerOptions {
  level?: Level;
  format?: LogFormat;
  write?: (line: string) => void;
  now?: () => Date;
}

function quote(v: string): string {
  return /^[A-Za-z0-9_./:@+-]+$/.test(v) ? v : JSON.stringify(v);
}

const pad = (n: number, width = 2) => String(n).padStart(width, '0');

/**
 * `new Date(ms).toISOString()` without a Date: the first Date a process makes loads the time zone (ICU reads
 * /etc/localtime), ~1 ms of an engine command's start (issue 11), for a UTC stamp that needs no zone.
 * Days to civil date: the proleptic Gregorian calendar in 400-year eras (H. Hinnant's `civil_from_days`).
 */
export function isoTime(ms: number): string {
  const days = Math.floor(ms / 86_400_000);
  const inDay = ms - days * 86_400_000;
  const z = days + 719_468;
  const era = Math.floor(z / 146_097);
  const doe = z - era * 146_097;
  const yoe = Math.floor(
    (doe - Math.floor(doe / 1460) + Math.floor(doe / 36_524) - Math.floor(doe / 146_096)) / 365,
  );
  const doy = doe - (365 * yoe + Math.floor(yoe / 4) - Math.floor(yoe / 100));
  const mp = Math.floor((5 * doy + 2) / 153);
  const day = doy - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yoe + era * 400 + (month <= 2 ? 1 : 0);
  const h = Math.floor(inDay / 3_600_000);
  const m = Math.floor((inDay % 3_600_000) / 60_000);
  const s = Math.floor((inDay % 60_000) / 1000);
  return `${pad(year, 4)}-${pad(month)}-${pad(day)}T${pad(h)}:${pad(m)}:${pad(s)}.${pad(inDay % 1000, 3)}Z`;
}

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const format = opts.format ?? 'text';
  const write = opts.write ?? ((line: string) => sink(line));
  const now = opts.now;
  const emit = (level: Level, msg: string, fields: Fields = {}) => {
    if (RANK[level] < min) return;
    const time = now ? now().toISOString() : isoTime(Date.now());
    const entries = Object.entries(fields).filter(([, v]) => v !== undefined) as [
      string,
      string | number | boolean,
    ][];
    if (format === 'json') {
      write(`${JSON.stringify({ level, msg, time, ...Object.fromEntries(entries) })}\n`);
      return;
    }
    const extra = entries.map(([k, v]) => ` ${k}=${quote(String(v))}`).join('');
    write(`time="${time}" level=${level} msg=${JSON.stringify(msg)}${extra}\n`);
  };
  return {
    debug: (m, f) => emit('debug', m, f),
    info: (m, f) => emit('info', m, f),
    warn: (m, f) => emit('warning', m, f),
    error: (m, f) => emit('error', m, f),
  };
}

/**
 * Writes to fd 2 directly rather than through process.stderr: when stderr is a pipe (a DaemonSet's log, a
 * test harness), the stream makes Node load `net` and the whole streams stack, ~5 ms of every engine
 * command's start (issue 11). The stream is synchronous for files, pipes and terminals on Linux anyway.
 * A log line is best-effort: a closed stderr (EPIPE) must not abort an edit half-way, so only a full pipe
 * (EAGAIN, when another process made it non-blocking) is retried, after a millisecond's pause rather than in a
 * busy loop, for as long as the reader takes.
 */
export function writeStderr(text: string): void {
  const bytes = Buffer.from(text, 'utf8');
  let done = 0;
  let pause: Int32Array | undefined;
  while (done < bytes.length) {
    try {
      done += writeSync(2, bytes, done);
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code !== 'EAGAIN') return;
      pause ??= new Int32Array(new SharedArrayBuffer(4));
      Atomics.wait(pause, 0, 0, 1);
    }
  }
}

let sink: (text: string) => void = writeStderr;

/**
 * Where loggers without a `write` of their own send their lines: fd 2, or what an in-process test captures
 * (it can no longer do that by replacing process.stderr.write). Returns the previous sink, to restore.
 */
export function setLogSink(next: (text: string) => void): (text: string) => void {
  const previous = sink;
  sink = next;
  return previous;
}

/** A logger that drops everything (library default) or collects lines (tests). */
export function memoryLogger(level: Level = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (l) => lines.push(l.trimEnd()) });
  return Object.assign(logger, { lines });
}
