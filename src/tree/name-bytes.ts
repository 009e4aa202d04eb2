// Names are bytes on Linux; Node hands them out as UTF-8 strings. A name that is not valid UTF-8
// would decode to U+FFFD and come back as a different name, so such names are detected and skipped.
import { readdirSync } from 'node:fs';

/** Why a symlink is skipped when its target does not decode (decodeName gave undefined). */
export const UNDECODABLE_TARGET = 'its symlink target is not valid UTF-8 (cannot be represented)';

/** The name as a string, or undefined when its bytes are not valid UTF-8 (no lossless string). */
export function decodeName(bytes: Buffer): string | undefined {
  const text = bytes.toString('utf8');
  if (!text.includes('\uFFFD')) return text;
  return Buffer.from(text, 'utf8').equals(bytes) ? text : undefined;
}

/**
 * Of the names readdir returned for `dir`, the ones that do not round-trip (contain U+FFFD only
 * because decoding replaced bytes). Called only when some name contains U+FFFD, so the extra
 * Buffer readdir is rare.
 */
export function undecodableNames(dir: string): { lossy: Set<string>; count: number } {
  const lossy = new Set<string>();
  let count = 0;
  for (const raw of readdirSync(dir, { encoding: 'buffer' })) {
    if (decodeName(raw) === undefined) {
      lossy.add(raw.toString('utf8'));
      count++;
    }
  }
  return { lossy, count };
}

/** A name for a warning: JSON-escaped so newlines and control characters stay visible. */
export function quoteName(name: string): string {
  return JSON.stringify(name);
}
