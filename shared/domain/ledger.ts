/**
 * A ledger entry (docs/api.md "LedgerEntry"): one money movement or one day's informational telecom total.
 * `entryId` is deterministic per movement, so writing it twice is refused at the write.
 */
import * as z from 'zod';
import { ProductId } from './plan';
import { Money } from './money';
import { Day } from './values';

export const LedgerType = z.enum(['payment', 'product_daily', 'number_daily', 'discount', 'telecom_daily', 'adjustment', 'usage_refund', 'credit_granted', 'credit_expired', 'credit_voided']);
export type LedgerType = z.infer<typeof LedgerType>;

export const LedgerEntry = z.object({
  entryId: z.string(), date: Day, type: LedgerType, description: z.string(), amount: Money, balanceEffect: z.boolean(),
  productId: ProductId.optional(), number: z.string().optional(),
}).meta({ id: 'LedgerEntry' });
export type LedgerEntry = z.infer<typeof LedgerEntry>;

/** Entry ids of movements made outside the nightly charge (charge-day.ts makes the charge's own). */
export const entryIds = {
  payment: (paymentId: string) => `payment#${paymentId}`,
  adjustment: (adjustmentId: string) => `adjustment#${adjustmentId}`,
  refund: (eventId: string) => `refund#${eventId}`,
  creditGranted: (grantId: string) => `credit#${grantId}`,
  creditExpired: (grantId: string) => `credit_expired#${grantId}`,
  creditVoided: (grantId: string) => `credit_voided#${grantId}`,
};
