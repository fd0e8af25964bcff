/**
 * What a project's owner reads: its products page, its ledger, a day's rated usage, and the forecast.
 * Each reads through the store and shapes with the domain; none writes.
 */
import { currentCatalog } from '../catalog-source';
import { addDays, type BillingDay } from '../domain/billing-days';
import { chargeDay, costOf } from '../domain/charge-day';
import { forecast, type Forecast } from '../domain/forecast';
import type { Money } from '../domain/money';
import { productViewAt, productViewsAt, type ProductList, type ProductView } from '../domain/product-view';
import type { RatedUsageEvent } from '../domain/usage';
import { todayOf, type StoreContext } from '../store/context';
import { listLedger, telecomHistory, type LedgerPage, type LedgerQuery } from '../store/ledger';
import { getProjectItem } from '../store/projects';
import { readCurrentTimeline } from '../store/timeline';
import { listUsagePage, toRatedEvent, type UsagePageQuery } from '../store/usage';
import type { ChangeAppended } from './timeline-changes';

/** Closed days of telecom history the forecast learns from. */
export const HISTORY_DAYS = 28;

/** The products page: every product as in force now, and the discount the enabled ones earn. */
export async function productsOf(ctx: StoreContext, projectId: string): Promise<ProductList> {
  await getProjectItem(ctx, projectId, false);
  const read = await readCurrentTimeline(ctx, projectId, todayOf(ctx));
  return productViewsAt(read, currentCatalog(), ctx.now());
}

/**
 * A product as it stands from a change on, and "what tomorrow's charge becomes": the nightly run just
 * after midnight charges the day that has just ended, so the next charge is the one of today (or of
 * the start day of a project whose billing starts later), with every known change in force.
 */
export function productAfterChange(ctx: StoreContext, done: ChangeAppended, productId: ProductView['productId']): ProductView & { effectiveAt: string; nextCharge: { date: BillingDay; amount: Money } } {
  const catalog = currentCatalog();
  const today = todayOf(ctx);
  const date = done.project.billingStartDate > today ? done.project.billingStartDate : today;
  return {
    ...productViewAt(done.read, catalog, Date.parse(done.at), productId),
    effectiveAt: done.at,
    nextCharge: { date, amount: costOf(chargeDay(done.read.timeline, catalog, date)) },
  };
}

/** One page of the ledger (NotFound for an unknown project). */
export async function ledgerOf(ctx: StoreContext, projectId: string, query: LedgerQuery): Promise<LedgerPage> {
  await getProjectItem(ctx, projectId, false);
  return listLedger(ctx, projectId, query);
}

/** One page of the rated events of one billing day, oldest first (NotFound for an unknown project). */
export async function usageOf(ctx: StoreContext, projectId: string, day: BillingDay, query: UsagePageQuery = {}): Promise<{ events: RatedUsageEvent[]; nextCursor: string | null }> {
  await getProjectItem(ctx, projectId, false);
  const page = await listUsagePage(ctx, projectId, day, query);
  return { events: page.events.map(toRatedEvent), nextCursor: page.nextCursor };
}

/** Tonight's charge exactly, then the days ahead; telecom from the `telecom_daily` lines of the 28 days before today. */
export async function forecastOf(ctx: StoreContext, projectId: string): Promise<Forecast> {
  const project = await getProjectItem(ctx, projectId);
  const nowMs = ctx.now();
  const today = todayOf(ctx);
  const [read, history] = await Promise.all([
    readCurrentTimeline(ctx, projectId, today),
    telecomHistory(ctx, projectId, addDays(today, -HISTORY_DAYS), addDays(today, -1)),
  ]);
  return forecast({ currency: project.currency, balance: project.balance, timeline: read.timeline, catalog: currentCatalog(), history, today, nowMs });
}
