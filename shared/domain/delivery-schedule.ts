/**
 * When a webhook is delivered again after a failed attempt, when it is given up, and when a webhook
 * is disabled. The schedule is data: the first retries come within a minute (a receiver that blinked
 * gets the event at once), the later ones spread out so a receiver that is down for a day still gets
 * everything, and the attempts span more than 24 hours in all.
 *
 * SQS delays a message by 900 s at most, so a long delay travels as several hops: the message
 * carries its `dueAt`, and a consumer that receives it early sends it on with what remains
 * ({@link nextHopSeconds}).
 */

/**
 * Seconds to wait before each attempt, from the previous one: attempt 1 at once, attempt 2 after
 * 5 s, … attempt 10 after 14 h. Ten attempts over 31 h 37 min 35 s.
 */
export const DELIVERY_DELAYS_SECONDS: readonly number[] = Object.freeze([
  0, 5, 30, 2 * 60, 5 * 60, 30 * 60, 2 * 3600, 5 * 3600, 10 * 3600, 14 * 3600,
]);

/** How many attempts an event gets before it is recorded as failed. */
export const DELIVERY_ATTEMPTS = DELIVERY_DELAYS_SECONDS.length;

/** A webhook whose deliveries have failed without a success for this long is disabled. */
export const DISABLE_AFTER_MS = 5 * 24 * 3600 * 1000;

/** The longest `DelaySeconds` SQS accepts on a message. */
export const SQS_MAX_DELAY_SECONDS = 900;

function assertAttemptCount(n: number): void {
  if (!Number.isSafeInteger(n) || n < 1) throw new RangeError(`attempts made must be an integer >= 1, got ${n}`);
}

function assertSeconds(s: number, what: string): void {
  if (!Number.isSafeInteger(s) || s < 0) throw new RangeError(`${what} must be a whole number of seconds >= 0, got ${s}`);
}

/**
 * Seconds to wait before the next attempt when `attemptsMade` attempts (1 or more) have failed, or
 * null when they were all used and the event is to be recorded as failed.
 */
export function nextDelaySeconds(attemptsMade: number): number | null {
  assertAttemptCount(attemptsMade);
  return attemptsMade < DELIVERY_ATTEMPTS ? DELIVERY_DELAYS_SECONDS[attemptsMade]! : null;
}

/**
 * `delaySeconds` lengthened by up to a tenth, `unit` in [0, 1) choosing how much (the caller passes
 * a random number: the domain has no randomness of its own). Retries of many events that failed
 * together then do not all arrive in the same second. Only ever longer, so the schedule still spans
 * what {@link DELIVERY_DELAYS_SECONDS} promises.
 */
export function withJitter(delaySeconds: number, unit: number): number {
  assertSeconds(delaySeconds, 'delay');
  if (!(unit >= 0 && unit < 1)) throw new RangeError(`jitter unit must be in [0, 1), got ${unit}`);
  return delaySeconds + Math.floor((delaySeconds * unit) / 10);
}

/**
 * Whether a webhook failing since `failingSinceMs` (its first failed attempt after its last success;
 * null when its last attempt succeeded) is to be disabled at `nowMs`: after 5 days in a row.
 */
export function disabledBy(failingSinceMs: number | null, nowMs: number): boolean {
  return failingSinceMs !== null && nowMs - failingSinceMs >= DISABLE_AFTER_MS;
}

/**
 * `delaySeconds` as the SQS delays of the hops that add up to it, each at most 900 s: 2000 s is
 * [900, 900, 200]; 0 is no hop at all (send at once, without delay).
 */
export function delayHops(delaySeconds: number): number[] {
  assertSeconds(delaySeconds, 'delay');
  const hops: number[] = [];
  for (let left = delaySeconds; left > 0; left -= SQS_MAX_DELAY_SECONDS) hops.push(Math.min(left, SQS_MAX_DELAY_SECONDS));
  return hops;
}

/**
 * The `DelaySeconds` to send a message due at `dueAtMs` with, at `nowMs`: what remains, rounded up
 * to a whole second (early by a fraction would cost one more hop), at most 900. 0 means it is due:
 * deliver it now.
 */
export function nextHopSeconds(dueAtMs: number, nowMs: number): number {
  const remaining = Math.ceil((dueAtMs - nowMs) / 1000);
  return Math.min(Math.max(remaining, 0), SQS_MAX_DELAY_SECONDS);
}
