/**
 * Named domain errors. Each carries a machine `code` (the `error.code` of docs/api.md's error body) and the
 * HTTP status it maps to; shared/http maps them in one place.
 */
export class DomainError extends Error {
  constructor(
    readonly code: string,
    message: string,
    readonly status: number = 400,
    readonly details?: unknown[],
  ) {
    super(message);
    this.name = new.target.name;
  }
}

export class ValidationFailed extends DomainError {
  constructor(message: string, details?: unknown[]) { super('validation_failed', message, 400, details); }
}
export class NotFound extends DomainError {
  constructor(what: string) { super('not_found', `${what} not found`, 404); }
}
export class Conflict extends DomainError {
  constructor(code: string, message: string) { super(code, message, 409); }
}
export class Forbidden extends DomainError {
  constructor(message = 'this key may not do that') { super('forbidden', message, 403); }
}
export class Unauthorized extends DomainError {
  constructor(message = 'a valid API key is required: Authorization: Bearer <apiKey>') { super('unauthorized', message, 401); }
}
/** A destination no tariff prefix matches: the usage request is refused whole. */
export class UnknownDestination extends DomainError {
  constructor(readonly destination: string, kind: string) {
    super('unknown_destination', `no ${kind} rate matches destination ${destination}`, 400);
  }
}

/**
 * Too many concurrent changes of the same thing to get a write through in time: nothing was written,
 * and the same request can simply be sent again (HTTP 503 with Retry-After).
 */
export class Busy extends DomainError {
  constructor(what: string, readonly retryAfterSec = 1) {
    super('busy', `${what}: too many concurrent changes, nothing was written; try again`, 503);
  }
}

/** Too many requests of a kind in a window: 429 with Retry-After (the window's end). */
export class RateLimited extends DomainError {
  constructor(message: string, readonly retryAfterSec: number) {
    super('rate_limited', message, 429);
  }
}

/** Narrows an unknown thrown value without `as Error`. */
export function errorMessage(e: unknown): string {
  return e instanceof Error ? e.message : String(e);
}
