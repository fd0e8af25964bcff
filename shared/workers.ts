/**
 * The functions that are not routes, declared once: their handler files and exactly what they may
 * touch. Their triggers are wired in lib/constructs (and, in the twin, in local/).
 */
import type { FunctionAccess } from './http/routes';

/** Records per debit invocation at most: the stack's stream mapping and the twin's poller both use it. */
export const DEBIT_BATCH_SIZE = 1000;

export const WORKERS = {
  authorizer: { name: 'AuthorizeKey', entry: 'functions/auth/authorize-key.ts', tables: { projects: 'read' } },
  /** Reads usage from the stream only, so it needs no access to the Usage table: it never changes a usage item. */
  debit: { name: 'DebitUsage', entry: 'functions/usage/debit-usage.ts', tables: { projects: 'readWrite', ledger: 'readWrite', events: 'write' } },
  /** Writes to Projects only the marks of its run (`billingrun#<date>`: which projects it queued). */
  fanOut: { name: 'FanOutDays', entry: 'functions/billing/fan-out-days.ts', tables: { projects: 'readWrite' }, chargeQueue: true },
  chargeDay: { name: 'ChargeDay', entry: 'functions/billing/charge-day.ts', tables: { projects: 'readWrite', ledger: 'readWrite', plans: 'read', events: 'write', usage: 'read' } },
  /** Writes plan `standard`'s version 1 into a new deployment's Plans table; never overwrites it. */
  seedPlans: { name: 'SeedPlans', entry: 'functions/billing/seed-plans.ts', tables: { plans: 'readWrite' } },
  /** The outbox reader: the Events stream → the operator's bus and the webhook delivery queue. */
  relayEvents: { name: 'RelayEvents', entry: 'functions/events/relay-events.ts', tables: { webhooks: 'read' }, events: true, deliveryQueue: true },
  /** One attempt per message: reads the event and the endpoint, signs, POSTs, logs, queues the retry. */
  // Projects and events written too: disabling an endpoint writes its webhook.disabled event (issue 19).
  deliverWebhooks: { name: 'DeliverWebhooks', entry: 'functions/webhooks/deliver-webhooks.ts', tables: { projects: 'readWrite', events: 'readWrite', webhooks: 'readWrite' }, deliveryQueue: true, webhookSecrets: 'open' },
  /** Read-only: recomputes balances and closed days; never writes money. */
  reconcile: { name: 'Reconcile', entry: 'functions/billing/reconcile.ts', tables: { projects: 'read', ledger: 'read', usage: 'read' }, events: true },
} as const satisfies Record<string, FunctionAccess & { name: string; entry: string }>;
