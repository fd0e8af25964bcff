/**
 * No future day left unpriced (docs/api.md "What no input may do"): what a project holds over a span of
 * days that the prices of those days lack. A plan move and a version withdrawal are refused on it.
 */
import { billingDayOf, type BillingDay } from '../domain/billing-days';
import { numberPriceOf, productOf, type PlanVersion } from '../domain/plan';
import { stateAt } from '../domain/timeline';
import type { Timeline } from '../domain/types';
import type { StoreContext } from '../store/context';
import { pricesOf } from './prices';

/** Something a project holds on `day` that the prices it is charged by then lack. */
export interface Unpriced {
  what: string;
  kind: 'product' | 'number';
  day: BillingDay;
}

/**
 * What the timeline holds in `[fromMs, untilMs)` (at its start and after every change dated inside it)
 * that `planId`'s version of that day does not price. Versions of a plan keep every product and
 * number type, so a product dated into a later version that has it is priced; one dated into a span
 * of a version without it is not.
 */
export async function unpricedFrom(ctx: StoreContext, planId: string, timeline: Timeline, fromMs: number, untilMs: number, pricesOn: (day: BillingDay) => Promise<PlanVersion> = (day) => pricesOf(ctx, planId, day)): Promise<Unpriced[]> {
  const instants = [fromMs, ...timeline.changes.map((ch) => Date.parse(ch.at)).filter((ms) => ms > fromMs && ms < untilMs)];
  const out = new Map<string, Unpriced>();
  for (const ms of [...new Set(instants)].sort((a, b) => a - b)) {
    const day = billingDayOf(ms, ctx.zone);
    const prices = await pricesOn(day);
    const held = stateAt(timeline, ms);
    for (const id of held.products.keys()) {
      if (!productOf(prices, id) && !out.has(`p|${id}`)) out.set(`p|${id}`, { what: `product ${id}`, kind: 'product', day });
    }
    for (const t of new Set(held.numbers.values())) {
      if (numberPriceOf(prices, t) === undefined && !out.has(`n|${t}`)) out.set(`n|${t}`, { what: `${t} numbers`, kind: 'number', day });
    }
  }
  return [...out.values()];
}
