/**
 * Accepting usage events (`POST /usage`): every event is validated and rated first, so a bad event,
 * an unknown destination or an unknown project refuses the whole request before anything is written;
 * then each event is stored exactly once. The balance moves through the usage table's stream
 * (debit-usage.ts).
 */
import { randomUUID } from 'node:crypto';
import { config, type Config } from '../config';
import { mapLimit } from '../concurrency';
import { billingDayOf } from '../domain/billing-days';
import { startOfDay } from '../domain/day-bounds';
import { countryOf } from '../domain/country';
import { DomainError, ValidationFailed } from '../domain/errors';
import { planOn, type PlanAssignment } from '../domain/plan';
import { raterFor, type Rater } from '../domain/rating';
import type { RatedUsageEvent, UsageEvent } from '../domain/usage';
import { nowIso, type StoreContext } from '../store/context';
import { findProjectItem, plansOf } from '../store/projects';
import { insertUsageItems, usageItemOf, type UsageWrites } from '../store/usage';
import { pricesOf } from './prices';


export class UnknownProject extends DomainError {
  constructor(projectIds: string[]) {
    super('unknown_project', `no such project: ${projectIds.join(', ')}`, 400, projectIds.map((projectId) => ({ projectId })));
  }
}

export interface IngestResult {
  accepted: number;
  duplicates: number;
}

/** Clock skew tolerated between the voice platform and us; an event further ahead is refused. */
export const MAX_FUTURE_MS = 15 * 60_000;

/** Validates, rates and stores `events` (one request); see the module comment. */
export async function acceptUsage(ctx: StoreContext, events: readonly UsageEvent[]): Promise<IngestResult> {
  // A future event would be counted on a day that is not over yet, possibly years ahead.
  const future = events.filter((e) => Date.parse(e.occurredAt) > ctx.now() + MAX_FUTURE_MS);
  if (future.length > 0) {
    throw new ValidationFailed(`occurredAt is in the future for ${future.length} event(s)`, future.map((e) => ({ eventId: e.eventId, occurredAt: e.occurredAt })));
  }
  // One read per project (its plans), one price lookup per plan and day (cached per warm function).
  const projectIds = [...new Set(events.map((e) => e.projectId))];
  const found = await mapLimit(projectIds, 10, (id) => findProjectItem(ctx, id));
  const unknown = projectIds.filter((_, i) => !found[i]);
  if (unknown.length > 0) throw new UnknownProject(unknown);
  refuseBeforeBillingStart(ctx, events, new Map(projectIds.map((id, i) => [id, found[i]!.billingStartDate])));
  const plans = new Map<string, PlanAssignment[]>(projectIds.map((id, i) => [id, plansOf(found[i]!)]));
  const raters = new Map<string, Promise<Rater>>();
  const raterOfDay = (planId: string, day: string): Promise<Rater> => {
    const key = `${planId}|${day}`;
    let r = raters.get(key);
    if (!r) { r = pricesOf(ctx, planId, day).then((v) => raterFor(v.tariff)); raters.set(key, r); }
    return r;
  };
  // Each event is rated with the prices of its own billing day; that cost is final.
  const rated: Array<RatedUsageEvent & { prefix: string; country: string }> = [];
  for (const e of events) {
    const day = billingDayOf(e.occurredAt, ctx.zone);
    const rater = await raterOfDay(planOn(plans.get(e.projectId)!, day), day);
    // The prefix and the country are stored with the event: the usage report groups by them, no
    // later tariff can tell the prefix, and only this function needs the phone-number metadata.
    rated.push({ ...e, ...rater.rated(e), country: countryOf(e.destination) });
  }
  return storeUsage(ctx, rated);
}

/**
 * An event before the first instant of its project's billing start would be debited on a day the
 * project has no ledger for (and, far enough back, on a day no `?date=` can name): refused, so every
 * charged event can be listed.
 */
function refuseBeforeBillingStart(ctx: StoreContext, events: readonly UsageEvent[], billingStart: ReadonlyMap<string, string>): void {
  const firstMs = new Map([...billingStart].map(([id, day]) => [id, startOfDay(day, ctx.zone)]));
  const early = events.filter((e) => Date.parse(e.occurredAt) < firstMs.get(e.projectId)!);
  if (early.length > 0) {
    throw new ValidationFailed(
      `occurredAt is before the project's billingStartDate for ${early.length} event(s)`,
      early.map((e) => ({ eventId: e.eventId, occurredAt: e.occurredAt, billingStartDate: billingStart.get(e.projectId) })),
    );
  }
}

/**
 * The configured way to write usage: USAGE_WRITES, else transactions on DynamoDB Local (which spends
 * its time per request) and one put per event on DynamoDB (which bills a transactional write twice).
 */
export function usageWrites(c: Config = config()): UsageWrites {
  return c.USAGE_WRITES ?? (c.DYNAMODB_ENDPOINT ? 'transactions' : 'per-event');
}

/**
 * Stores rated events, each exactly once (shared/store/usage.ts insertUsageItems). An event id
 * repeated inside the request counts as a duplicate without a write. Not atomic across events: if a
 * write fails part way the request errors, and its retry counts the events already stored as
 * duplicates, so nothing is ever stored twice. Every item carries this call's attemptId (in
 * transactions, the attemptId of the commit round that writes it), so an event whose first write
 * committed but whose answer was lost still counts as accepted by this call.
 */
export async function storeUsage(ctx: StoreContext, events: ReadonlyArray<RatedUsageEvent & { prefix?: string; country?: string }>, opts: { writes?: UsageWrites } = {}): Promise<IngestResult> {
  const receivedAt = nowIso(ctx);
  const attemptId = randomUUID();
  const seen = new Set<string>();
  const fresh = events.filter((e) => !seen.has(e.eventId) && seen.add(e.eventId));
  const items = fresh.map((e) => usageItemOf(ctx.zone, e, receivedAt, attemptId));
  const stored = await insertUsageItems(ctx, items, attemptId, opts.writes ?? usageWrites());
  const accepted = stored.filter(Boolean).length;
  return { accepted, duplicates: events.length - accepted };
}
