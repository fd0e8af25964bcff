/**
 * Money is an integer number of minor units (kopecks, cents). Every function here refuses anything
 * that is not a safe integer, so a float can never slip into a balance unnoticed. Products of two
 * amounts can exceed 2^53, so the intermediate arithmetic is done in BigInt.
 */
import * as z from 'zod';
import { DomainError } from './errors';

/** Integer minor units: the type of every amount, and the schema every amount in a request or answer is checked with. */
export type Money = number;
export const Money = z.number().int().min(-Number.MAX_SAFE_INTEGER).max(Number.MAX_SAFE_INTEGER).meta({ description: 'integer minor units (kopecks, cents)' });
export const PositiveMoney = z.number().int().positive().max(Number.MAX_SAFE_INTEGER).meta({ description: 'integer minor units, > 0' });

export class NotMinorUnits extends DomainError {
  constructor(what: string, value: unknown) {
    super('invalid_amount', `${what} must be an integer number of minor units within ±${Number.MAX_SAFE_INTEGER}, got ${String(value)}`);
  }
}

/** Throws unless `value` is a safe integer: the only shape money may take. */
export function assertMoney(value: unknown, what = 'amount'): asserts value is Money {
  if (typeof value !== 'number' || !Number.isSafeInteger(value)) throw new NotMinorUnits(what, value);
}

function toSafe(value: bigint, what: string): Money {
  if (value > BigInt(Number.MAX_SAFE_INTEGER) || value < -BigInt(Number.MAX_SAFE_INTEGER)) {
    throw new NotMinorUnits(what, value);
  }
  return Number(value);
}

/** floor(a*b/c) for integers, exact (c > 0). */
export function mulDivFloor(a: number, b: number, c: number): Money {
  assertMoney(a, 'a'); assertMoney(b, 'b'); assertMoney(c, 'c');
  if (c <= 0) throw new RangeError('divisor must be positive');
  return floorBig(BigInt(a) * BigInt(b), BigInt(c));
}

/** ceil(a/b) for integers, b > 0. */
export function ceilDiv(a: number, b: number): number {
  return -mulDivFloor(-a, 1, b);
}

/**
 * round_half_up(a*b/c), docs/api.md's rounding: halves go up (towards +infinity), so -2.5 becomes -2.
 * Negative amounts are rounded as the contract writes them: callers negate after rounding a positive
 * sum (the discount line is -round_half_up(sum*percent/100)).
 */
export function mulDivRoundHalfUp(a: number, b: number, c: number): Money {
  assertMoney(a, 'a'); assertMoney(b, 'b'); assertMoney(c, 'c');
  if (c <= 0) throw new RangeError('divisor must be positive');
  // floor((2ab + c) / 2c) == floor(ab/c + 1/2)
  return floorBig(BigInt(a) * BigInt(b) * 2n + BigInt(c), BigInt(c) * 2n);
}

function floorBig(n: bigint, d: bigint): Money {
  let q = n / d;
  // BigInt division truncates toward zero; floor of a negative inexact quotient is one less.
  if (n % d !== 0n && n < 0n) q -= 1n;
  return toSafe(q, 'result');
}

/** Sum of amounts, checked. */
export function sum(amounts: readonly Money[]): Money {
  let total = 0n;
  for (const a of amounts) { assertMoney(a); total += BigInt(a); }
  return toSafe(total, 'sum');
}
