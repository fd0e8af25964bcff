/**
 * What a project's owner reads: its products page, its ledger, a day's rated usage, and the forecast.
 * Each reads through the store and shapes with the domain; none writes.
 */
import { addDays, billingDayOf, type BillingDay } from '../domain/billing-days';
import { chargeDay, costOf } from '../domain/charge-day';
import { NotFound } from '../domain/errors';
import { forecast, type Forecast } from '../domain/forecast';
import type { Money } from '../domain/money';
import { productViewAt, productViewsAt, upcomingPrices, type ProductList, type ProductView } from '../domain/product-view';
import type { RatedUsageEvent } from '../domain/usage';
import { todayOf, type StoreContext } from '../store/context';
import { listLedger, telecomHistory, type LedgerPage, type LedgerQuery } from '../store/ledger';
import { decodeEventCursor, encodeEventCursor, listEvents, type EventPage, type EventQuery } from '../store/events';
import { findProjectItem, getProjectItem, plansOf, type ProjectItem } from '../store/projects';
import { readCurrentTimeline } from '../store/timeline';
import { listUsagePage, toRatedEvent, type UsagePageQuery } from '../store/usage';
import { priceSchedule, projectPricesOn } from './prices';
import { refundedOn } from './refund-usage';
import type { ChangeAppended } from './timeline-changes';

/** Closed days of telecom history the forecast learns from. */
export const HISTORY_DAYS = 28;
/** How far ahead the forecast looks for the day the balance runs out (domain/forecast.ts). */
const FORECAST_DAYS = 366;

/**
 * The products page: every product of the plan's version in force now, the discount the enabled ones
 * earn, and the price changes already published for later days.
 */
export async function productsOf(ctx: StoreContext, projectId: string): Promise<ProductList> {
  const project = await getProjectItem(ctx, projectId, false);
  const today = todayOf(ctx);
  const [read, schedule] = await Promise.all([
    readCurrentTimeline(ctx, projectId, today),
    priceSchedule(ctx, plansOf(project), today, addDays(today, FORECAST_DAYS)),
  ]);
  const current = schedule.pricesOn(today);
  return { ...productViewsAt(read, current, ctx.now()), upcoming: upcomingPrices(current, schedule.changes) };
}

/**
 * A product as it stands from a change on, and "what tomorrow's charge becomes": the nightly run just
 * after midnight charges the day that has just ended, so the next charge is the one of today (or of
 * the start day of a project whose billing starts later), with every known change in force.
 */
export async function productAfterChange(ctx: StoreContext, done: ChangeAppended, productId: string): Promise<ProductView & { effectiveAt: string; nextCharge: { date: BillingDay; amount: Money } }> {
  const today = todayOf(ctx);
  const date = done.project.billingStartDate > today ? done.project.billingStartDate : today;
  const plans = plansOf(done.project);
  const [atChange, onDate] = await Promise.all([
    projectPricesOn(ctx, plans, billingDayOf(done.at, ctx.zone)),
    projectPricesOn(ctx, plans, date),
  ]);
  return {
    ...productViewAt(done.read, atChange, Date.parse(done.at), productId)!,
    effectiveAt: done.at,
    nextCharge: { date, amount: costOf(chargeDay(done.read.timeline, onDate, date)) },
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
  const refunded = page.events.length > 0 ? await refundedOn(ctx, projectId, day) : new Set<string>();
  return { events: page.events.map((e) => (refunded.has(e.eventId) ? { ...toRatedEvent(e), refunded: true as const } : toRatedEvent(e))), nextCursor: page.nextCursor };
}

/**
 * Tonight's charge exactly, then the days ahead, each priced by its own version (a price change
 * already published shows); telecom from the `telecom_daily` lines of the 28 days before today.
 */
export async function forecastOf(ctx: StoreContext, projectId: string): Promise<Forecast> {
  return forecastFor(ctx, await getProjectItem(ctx, projectId));
}

/** The forecast of a project item already read (the runway alert decides on the version it read). */
export async function forecastFor(ctx: StoreContext, project: ProjectItem): Promise<Forecast> {
  const projectId = project.projectId;
  const nowMs = ctx.now();
  const today = todayOf(ctx);
  const [read, history, schedule] = await Promise.all([
    readCurrentTimeline(ctx, projectId, today),
    telecomHistory(ctx, projectId, addDays(today, -HISTORY_DAYS), addDays(today, -1)),
    priceSchedule(ctx, plansOf(project), today, addDays(today, FORECAST_DAYS)),
  ]);
  return forecast({ currency: project.currency, balance: project.balance, timeline: read.timeline, pricesOn: schedule.pricesOn, history, today, nowMs });
}

/** `GET /projects/{id}/events`: the project's events in sequence order, paged. */
export async function eventsOf(ctx: StoreContext, projectId: string, query: EventQuery): Promise<EventPage & { resumeAfter: string | null }> {
  // Read before the events: an event committed later has a higher sequence than this one.
  const project = await findProjectItem(ctx, projectId);
  if (!project) throw new NotFound(`project ${projectId}`);
  const page = await listEvents(ctx, projectId, query);
  return { ...page, resumeAfter: resumeAfterOf(page, query.after, project.eventSeq ?? 0) };
}

/**
 * `resumeAfter` (docs/api.md): a cursor after the last event of the page; on the last page, after the
 * last event there was when the page was read (events a `type` filter left out included), so a poller
 * asking again later gets exactly the newer events. Null only while the project has no event.
 */
function resumeAfterOf(page: EventPage, after: string | undefined, lastSequence: number): string | null {
  if (page.nextCursor !== null) return page.nextCursor;
  const shown = page.events.length > 0 ? page.events[page.events.length - 1]!.sequence : 0;
  const asked = after !== undefined ? decodeEventCursor(after) : 0;
  const last = Math.max(shown, asked, lastSequence);
  return last > 0 ? encodeEventCursor(last) : null;
}
