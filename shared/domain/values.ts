/**
 * The value shapes other schemas are built from: days, instants, ids, currencies, phone numbers
 * (money's is in money.ts). One zod schema each, so a request body, a stored item and the OpenAPI document all read
 * the same rule.
 */
import * as z from 'zod';
import { isBillingDay } from './billing-days';

export const Day = z.string().refine(isBillingDay, 'must be a valid YYYY-MM-DD date').meta({ format: 'date', example: '2026-01-31' });
/**
 * Instants a billing day can be named for in any time zone: a day's margin inside the years
 * 0001-9999 (offsets reach ±14 h), so every instant accepted falls on a `YYYY-MM-DD` day and that
 * day has a next one. billing-days.ts refuses the rest exactly, zone by zone.
 */
export const FIRST_INSTANT = '0001-01-02T00:00:00Z';
export const LAST_INSTANT = '9999-12-30T23:59:59.999Z';
const INSTANT_RANGE = [Date.parse(FIRST_INSTANT), Date.parse(LAST_INSTANT)] as const;
export const Instant = z.iso.datetime({ offset: true })
  .refine((v) => { const ms = Date.parse(v); return ms >= INSTANT_RANGE[0] && ms <= INSTANT_RANGE[1]; }, `must be between ${FIRST_INSTANT} and ${LAST_INSTANT}`)
  .meta({ example: '2026-01-31T12:00:00+02:00' });
export const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');
/**
 * ISO 4217 codes from the list built into Node's ICU (`Intl.supportedValuesOf('currency')`): kept up
 * to date with the runtime, not by hand, and it leaves out codes no money is in (`XXX`, `XTS`, `ZZZ`).
 */
const CURRENCIES: ReadonlySet<string> = new Set(Intl.supportedValuesOf('currency'));
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as UAH')
  .refine((code) => CURRENCIES.has(code), 'not an ISO 4217 currency code this deployment knows');
export const E164 = z.string().regex(/^\+[1-9]\d{5,14}$/, 'an E.164 number such as +380441234567');
