/**
 * What each credit grant paid, per billing day (docs/api.md "Credits, corrections and top-ups").
 */
import type { BillingDay } from '../domain/billing-days';
import type { Money } from '../domain/money';
import type { StoreContext } from './context';

// TEMPORARY until issue 18 merges: replaced by the real per-day draws
export async function readCreditsDrawn(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay): Promise<{ total: Money; byGrant: ReadonlyMap<string, Money> }> {
  void ctx; void projectId; void from; void to;
  return { total: 0, byGrant: new Map() };
}
