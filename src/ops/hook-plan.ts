/**
 * cri-o's legacy OCI-hook mode as a plan (upstream-behaviour §2.5): one whole file that setup writes and
 * cleanup gives back. Pure, like src/engines/plan.ts, so the hook goes through the same transaction.
 *
 * Cleanup replaces or removes the hook file only when it is ours: the ledger records it and it still holds
 * the bytes setup wrote (a file changed since is left alone, with a warning). With no ledger at all (a hook
 * the Go original wrote), it is removed only when it holds exactly the hook this setup would write.
 */
import { type Ledger, sha256 } from '../engines/ledger';
import type { FileSnapshot, FileWrite } from '../engines/plan';
import type { Action } from './options';

export const HOOK_OWNER = 'hook';

export interface HookPlan {
  readonly writes: FileWrite[];
  readonly ledger: Ledger;
  readonly warnings: string[];
  readonly notes: string[];
}

export function planHook(action: Action, snap: FileSnapshot, ledger: Ledger, hookText: string): HookPlan {
  const next: Ledger = structuredClone(ledger);
  const entry = ledger.files[snap.path];
  const warnings: string[] = [];
  const notes: string[] = [];
  let after: string | null = snap.text;
  if (action === 'setup') {
    after = hookText;
    next.files[snap.path] = {
      existed: entry ? entry.existed : snap.text !== null,
      original: entry ? entry.original : snap.text,
      afterSha256: sha256(hookText),
      owners: { [HOOK_OWNER]: { changes: [] } },
    };
  } else if (entry) {
    delete next.files[snap.path];
    if (snap.text !== null && sha256(snap.text) !== entry.afterSha256) {
      warnings.push(`${snap.path} changed since setup wrote it; leaving it as it is`);
    } else {
      after = entry.existed ? entry.original : null;
    }
  } else if (snap.text !== null) {
    if (snap.text === hookText && Object.keys(ledger.files).length === 0) after = null;
    else notes.push(`${snap.path}: not a hook file this setup wrote; leaving it as it is`);
  }
  const writes: FileWrite[] = after === snap.text ? [] : [{ path: snap.path, before: snap.text, after }];
  return { writes, ledger: next, warnings, notes };
}
