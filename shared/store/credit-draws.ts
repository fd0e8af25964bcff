/**
 * What a project's credit grants paid, per billing day: the `draws#<date>` items the money
 * transactions ADD to (shared/store/credits.ts). A read of a range costs one item per day with
 * draws, whatever the number of events charged on it.
 */
import type { BillingDay } from '../domain/billing-days';
import type { Money } from '../domain/money';
import type { StoreContext } from './context';
import { DRAW_ATTRIBUTE_PREFIX } from './credits';
import { keys } from './keys';
import { readDayItems } from './day-items';

/** What the project's credit grants paid of the charges counted on billing days from..to (inclusive):
 *  the stream debit's events by the day they are counted on, a closed day's charge by that day, a
 *  negative adjustment by its date. */
export async function readCreditsDrawn(ctx: StoreContext, projectId: string, from: BillingDay, to: BillingDay):
  Promise<{ total: Money; byGrant: ReadonlyMap<string, Money> }> {
  const items = await readDayItems(ctx, projectId, keys.draws, from, to);
  let total = 0;
  const byGrant = new Map<string, Money>();
  for (const item of items) {
    total += Number(item.total ?? 0);
    for (const [name, value] of Object.entries(item)) {
      if (!name.startsWith(DRAW_ATTRIBUTE_PREFIX)) continue;
      const grantId = name.slice(DRAW_ATTRIBUTE_PREFIX.length);
      byGrant.set(grantId, (byGrant.get(grantId) ?? 0) + Number(value));
    }
  }
  return { total, byGrant };
}
