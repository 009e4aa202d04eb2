// Names travel to the node inside a manifest that a fixed POSIX sh script reads with `read -r`.
// A field must therefore hold no whitespace, and whatever is not plainly safe is written as
// `\0ooo` octal escapes, which the script turns back into bytes with `printf '%b'`. Nothing from
// a name is ever parsed by a shell: the decoded bytes only ever live inside quoted variables.

/** Bytes that stand for themselves in a field; everything else is escaped. */
const SAFE_BYTE = /^[A-Za-z0-9._+,:@=/-]$/;

/** Field value meaning "absent" in the manifest; a real "-" is escaped so the two never meet. */
export const ABSENT_FIELD = '-';

/** Encode `value` (any string without NUL) as one manifest field that `printf '%b'` decodes. */
export function encodeField(value: string): string {
  if (value.length === 0) throw new Error('cannot encode an empty field');
  if (value.includes('\0')) throw new Error(`a NUL byte cannot be delivered: ${JSON.stringify(value)}`);
  if (value === ABSENT_FIELD) return '\\0055';
  let out = '';
  for (const byte of Buffer.from(value, 'utf8')) {
    const ch = String.fromCharCode(byte);
    out += byte < 0x80 && SAFE_BYTE.test(ch) ? ch : `\\0${byte.toString(8).padStart(3, '0')}`;
  }
  return out;
}

/** The inverse of encodeField (what the script's `printf '%b'` does), for tests and diagnostics. */
export function decodeField(field: string): string {
  const bytes: number[] = [];
  for (let i = 0; i < field.length;) {
    const m = /^\\0([0-7]{3})/.exec(field.slice(i, i + 5));
    if (m?.[1] !== undefined) {
      bytes.push(parseInt(m[1], 8));
      i += 5;
    } else {
      bytes.push(field.charCodeAt(i));
      i += 1;
    }
  }
  return Buffer.from(bytes).toString('utf8');
}
