/**
 * When the reconciler may restart the engine again: at most `max` restarts in any `windowMs`, and after each
 * restart a pause that doubles with every restart still inside the window (backoff), so a program that keeps
 * overwriting the config never turns into a restart loop. Pure arithmetic over the times of past restarts.
 */
export interface BudgetPolicy {
  readonly max: number;
  readonly windowMs: number;
  /** The pause after the first restart in a window; doubled for each further one. */
  readonly backoffMs: number;
}

/** The restarts still inside the window that ends at `now` (oldest first). */
export function recentRestarts(history: readonly number[], now: number, windowMs: number): number[] {
  return history.filter((t) => t > now - windowMs && t <= now);
}

/** The earliest time (ms, same clock as `now`) the next restart may happen; `now` when it may happen now. */
export function nextRestartAt(history: readonly number[], now: number, p: BudgetPolicy): number {
  const recent = recentRestarts(history, now, p.windowMs);
  if (recent.length === 0) return now;
  let at = recent.at(-1)! + p.backoffMs * 2 ** (recent.length - 1);
  // the cap: wait until enough of the oldest restarts leave the window
  if (recent.length >= p.max) at = Math.max(at, recent[recent.length - p.max]! + p.windowMs);
  return Math.max(now, at);
}
