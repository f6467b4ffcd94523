/**
 * The Node-API addon (native/addon.c, built into dist/ctk-native.node): flock(2) without a child process and
 * a SHA-256 that does not run in V8's interpreter, both for the start-up of the engine commands (issue 11).
 * Optional: without it the lock goes through flock(1) and the hash is JavaScript (same results, tested).
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { useNativeSha256 } from '../engines/sha256';

export interface NativeAddon {
  /** flock(LOCK_EX | LOCK_NB) on fd: true taken, false held elsewhere; any other failure throws. */
  tryLock(fd: number): boolean;
  /** SHA-256 hex digest of the text's UTF-8 bytes (the CPU's SHA extensions where it has them). */
  sha256Hex(text: string): string;
  /** The same without the SHA extensions (the tests compare both paths). */
  sha256HexPortable(text: string): string;
}

export const ADDON_NAME = 'ctk-native.node';
let loaded: { addon: NativeAddon | undefined } | undefined;

/**
 * The addon beside the bundle (or, running from src/, in dist/), loaded once; undefined when absent or built
 * for another platform. Loading it also hands its hash to src/engines/sha256.ts.
 */
export function nativeAddon(): NativeAddon | undefined {
  if (!loaded) {
    loaded = { addon: load([join(__dirname, ADDON_NAME), join(__dirname, '..', '..', 'dist', ADDON_NAME)]) };
    if (loaded.addon) useNativeSha256(loaded.addon.sha256Hex);
  }
  return loaded.addon;
}

function load(candidates: readonly string[]): NativeAddon | undefined {
  for (const file of candidates) {
    if (!existsSync(file)) continue;
    try {
      const addon = require(file) as Partial<NativeAddon>;
      if (typeof addon.tryLock === 'function' && typeof addon.sha256Hex === 'function')
        return addon as NativeAddon;
    } catch {
      // built for another platform or a Node without Node-API 8: the fallbacks do the same job
    }
  }
  return undefined;
}
