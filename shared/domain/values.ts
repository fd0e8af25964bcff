/**
 * The value shapes other schemas are built from: days, instants, ids, currencies, phone numbers
 * (money's is in money.ts). One zod schema each, so a request body, a stored item and the OpenAPI document all read
 * the same rule.
 */
import * as z from 'zod';
import { isBillingDay } from './billing-days';

export const Day = z.string().refine(isBillingDay, 'must be a valid YYYY-MM-DD date').meta({ format: 'date', example: '2026-01-31' });
export const Instant = z.iso.datetime({ offset: true }).meta({ example: '2026-01-31T12:00:00+02:00' });
export const Id = z.string().min(1).max(128).regex(/^[A-Za-z0-9._:@-]+$/, 'letters, digits and . _ : @ - only');
export const Currency = z.string().regex(/^[A-Z]{3}$/, 'an ISO 4217 code such as UAH');
export const E164 = z.string().regex(/^\+[1-9]\d{5,14}$/, 'an E.164 number such as +380441234567');
