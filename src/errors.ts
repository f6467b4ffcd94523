/**
 * Every failure the tool reports is a CtkError: it carries its own one-line message and exit code,
 * so `main` prints it once and exits; nothing logs and then throws a bare error.
 */
export type ErrorCode = 'usage' | 'config' | 'host' | 'locked' | 'verify' | 'bug';

export class CtkError extends Error {
  readonly code: ErrorCode;
  readonly exitCode: number;
  readonly file?: string;
  readonly hint?: string;

  constructor(
    code: ErrorCode,
    message: string,
    opts: { file?: string; hint?: string; cause?: unknown } = {},
  ) {
    super(message, opts.cause === undefined ? undefined : { cause: opts.cause });
    this.name = new.target.name;
    this.code = code;
    this.exitCode = code === 'usage' ? 2 : 1;
    this.file = opts.file;
    this.hint = opts.hint;
  }
}

/** Wrong flags, arguments or option values: exit 2. */
export class UsageError extends CtkError {
  constructor(message: string, opts: { hint?: string } = {}) {
    super('usage', message, opts);
  }
}

/** A configuration file we were asked to edit is malformed or holds a value we refuse: `file:line:col: why`. */
export class ConfigError extends CtkError {
  readonly line?: number;
  readonly column?: number;
  constructor(file: string, message: string, pos: { line?: number; column?: number } = {}) {
    const where = pos.line === undefined ? file : `${file}:${pos.line}:${pos.column ?? 1}`;
    super('config', `${where}: ${message}`, { file });
    this.line = pos.line;
    this.column = pos.column;
  }
}

/** The host refused something (permissions, missing socket, a process that failed). */
export class HostError extends CtkError {
  constructor(message: string, opts: { file?: string; hint?: string; cause?: unknown } = {}) {
    super('host', message, opts);
  }
}

/** Another instance holds the lock. */
export class LockedError extends CtkError {
  constructor(message: string) {
    super('locked', message);
  }
}

/** The engine did not show the expected state after a restart. */
export class VerifyError extends CtkError {
  constructor(message: string) {
    super('verify', message);
  }
}

/** An internal invariant broke (e.g. an edit did not produce the expected document); nothing is written. */
export class BugError extends CtkError {
  constructor(message: string) {
    super('bug', `internal error (please report): ${message}`);
  }
}

/** Turns any thrown value into a single line for the log. */
export function oneLine(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.replace(/\s*\n\s*/g, ' ').trim();
}
