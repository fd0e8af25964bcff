/**
 * The functions that are not routes, declared once: their handler files and exactly what they may
 * touch. Their triggers are wired in lib/constructs (and, in the twin, in local/).
 */
import type { FunctionAccess } from './http/routes';

export const WORKERS = {
  authorizer: { name: 'AuthorizeKey', entry: 'functions/auth/authorize-key.ts', tables: { projects: 'read' } },
  debit: { name: 'DebitUsage', entry: 'functions/usage/debit-usage.ts', tables: { projects: 'readWrite', usage: 'readWrite' }, events: true },
  fanOut: { name: 'FanOutDays', entry: 'functions/billing/fan-out-days.ts', tables: { projects: 'read' }, chargeQueue: true },
  chargeDay: { name: 'ChargeDay', entry: 'functions/billing/charge-day.ts', tables: { projects: 'readWrite', ledger: 'readWrite', plans: 'read' }, events: true },
  /** Writes plan `standard`'s version 1 into a new deployment's Plans table; never overwrites it. */
  seedPlans: { name: 'SeedPlans', entry: 'functions/billing/seed-plans.ts', tables: { plans: 'readWrite' } },
  /** Read-only: recomputes balances and closed days; never writes money. */
  reconcile: { name: 'Reconcile', entry: 'functions/billing/reconcile.ts', tables: { projects: 'read', ledger: 'read', usage: 'read' }, events: true },
} as const satisfies Record<string, FunctionAccess & { name: string; entry: string }>;
