/**
 * Errors of the twin's own machinery (not the handlers').
 */

/**
 * A reason the twin cannot start that the user can fix (Java, the port, the data directory's lock, the
 * admin key). `npm start` prints its message as one line and exits non-zero: a stack trace would bury
 * the one thing to do.
 */
export class StartupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'StartupError';
  }
}

/** The `code` of a Node system error (`ENOENT`, `EADDRINUSE`, …), if `e` is one. */
export function errnoCode(e: unknown): string | undefined {
  if (typeof e !== 'object' || e === null || !('code' in e)) return undefined;
  return typeof e.code === 'string' ? e.code : undefined;
}
