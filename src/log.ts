/**
 * A small logrus-compatible logger: the GPU Operator's users grep the original's
 * `time="…" level=info msg="…"` lines, so the text format keeps that shape; `json` writes one object per line.
 * Output goes to stderr (stdout is reserved for data such as diffs, specs and --output json).
 */
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

export function createLogger(opts: LoggerOptions = {}): Logger {
  const min = RANK[opts.level ?? 'info'];
  const format = opts.format ?? 'text';
  const write = opts.write ?? ((line: string) => process.stderr.write(line));
  const now = opts.now ?? (() => new Date());
  const emit = (level: Level, msg: string, fields: Fields = {}) => {
    if (RANK[level] < min) return;
    const time = now().toISOString();
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

/** A logger that drops everything (library default) or collects lines (tests). */
export function memoryLogger(level: Level = 'debug'): Logger & { lines: string[] } {
  const lines: string[] = [];
  const logger = createLogger({ level, write: (l) => lines.push(l.trimEnd()) });
  return Object.assign(logger, { lines });
}
