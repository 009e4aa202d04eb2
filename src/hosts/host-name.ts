// What may appear in a host name. Host names end up in pdsh/pdcp/ssh argv and, with
// --transport local, in a directory path: this whitelist is a safety boundary, not tidiness.

/** DNS limit for a whole name; longer names cannot resolve, so they are typos. */
export const MAX_HOST_NAME_LENGTH = 253;

const NAME_CHARACTER = /^[A-Za-z0-9._-]$/;

/** Whether `character` may appear literally in a host name (letters, digits, '.', '-', '_'). */
export function isHostNameCharacter(character: string): boolean {
  return NAME_CHARACTER.test(character);
}

/** Why `character` is refused, in words a user can act on. */
export function invalidCharacterReason(character: string): string {
  switch (character) {
    case '@':
      return "'user@host' is not supported: set the login user with --user or in the ssh config";
    case ':':
      return "':' is not allowed in a host name (no IPv6 addresses or host:port; use an ssh config Host alias)";
    case ']':
      return "unmatched ']'";
    default:
      return `invalid character ${JSON.stringify(character)} in a host name (allowed: letters, digits, '.', '-', '_')`;
  }
}

/**
 * Why a name may not start with `first`, or undefined when it may. A leading '-' would be read as
 * an option by ssh or pdsh; a leading '.' allows '.' and '..', which escape the local transport's root.
 */
export function invalidFirstCharacterReason(first: string): string | undefined {
  if (first === '-') return "a host name cannot start with '-' (to leave hosts out, use -x/--exclude)";
  if (first === '.') return "a host name cannot start with '.'";
  return undefined;
}
