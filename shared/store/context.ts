/**
 * What a repository needs: the document client, the table names and the clock. Built from runtime()
 * and config() on each call, so a test or the local twin that swaps either is seen at once.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { config } from '../config';
import { billingDayOf, type BillingDay } from '../domain/billing-days';
import { runtime } from '../runtime';

export interface StoreContext {
  doc: DynamoDBDocumentClient;
  tables: { projects: string; ledger: string; usage: string; plans: string; events: string; webhooks: string };
  /** Epoch milliseconds. */
  now: () => number;
  /** IANA zone of billing days. */
  zone: string;
}

/** The store context of this process (runtime() and config() as they stand now). */
export function storeContext(overrides: Partial<StoreContext> = {}): StoreContext {
  const rt = runtime();
  const c = config();
  return {
    doc: rt.doc,
    tables: { projects: c.PROJECTS_TABLE, ledger: c.LEDGER_TABLE, usage: c.USAGE_TABLE, plans: c.PLANS_TABLE, events: c.EVENTS_TABLE, webhooks: c.WEBHOOKS_TABLE },
    now: rt.now,
    zone: c.BILLING_TIME_ZONE,
    ...overrides,
  };
}

/** Today's billing day by the context's clock. */
export function todayOf(ctx: StoreContext): BillingDay {
  return billingDayOf(ctx.now(), ctx.zone);
}

/** The context's clock as an ISO instant (UTC). */
export function nowIso(ctx: StoreContext): string {
  return new Date(ctx.now()).toISOString();
}
