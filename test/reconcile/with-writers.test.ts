/**
 * The reconciler against the records the real writers leave (projects, payments, timeline, usage,
 * debit, nightly charge): what they write must reconcile, so the reconciler and the writers agree on
 * the DATA FORMATS. A tampered balance afterwards is still caught.
 */
import { UpdateCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { storeContext, type StoreContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { usageItemOf } from '../../shared/store/usage';
import { useTables } from '../support/dynamo';
import { type RatedUsageEvent } from '../../shared/domain/usage';
import { chargeThrough } from '../../shared/billing/charge-through';
import { debitRecords } from '../../shared/billing/debit-usage';
import { recordPayment } from '../../shared/billing/payments';
import { createProject } from '../../shared/billing/projects';
import { reconcileAll, reconcileProject } from '../../shared/billing/reconcile';
import { appendChange } from '../../shared/billing/timeline-changes';
import { storeUsage } from '../../shared/billing/ingest-usage';

let clock = Date.parse('2025-03-01T08:00:00Z');
let ctx: StoreContext;

function call(id: string, projectId: string, occurredAt: string, cost: number): RatedUsageEvent {
  return { eventId: id, projectId, kind: 'outgoing_call', destination: '+380441234567', occurredAt, durationSec: 60, cost };
}

/** Stores and debits events as the stream would deliver them (twice: a redelivery moves nothing). */
async function useAndDebit(events: RatedUsageEvent[]): Promise<void> {
  await storeUsage(ctx, events);
  const records = events.map((e, i) => ({ sequenceNumber: String(i + 1), item: usageItemOf(ctx.zone, e, new Date(clock).toISOString()) }));
  for (let round = 0; round < 2; round++) {
    const out = await debitRecords(ctx, records);
    expect(out.failed).toEqual([]);
  }
}

describe('reconciler over the writers', () => {
  let projectId: string;

  beforeAll(async () => {
    await useTables();
    ctx = storeContext({ now: () => clock });
    projectId = (await createProject(ctx, { name: 'w', currency: 'UAH', creditLimit: 0, billingStartDate: '2025-03-01' })).project.projectId;
    await recordPayment(ctx, projectId, 'w-pay-1', 100_000);
    await appendChange(ctx, projectId, {}, () => ({ kind: 'product', productId: 'telephony', enabled: true, seats: 3 }));
    await useAndDebit([call('w1', projectId, '2025-03-01T09:00:00Z', 120), call('w2', projectId, '2025-03-01T10:00:00Z', 0)]);
    clock = Date.parse('2025-03-02T12:00:00Z');
    await useAndDebit([call('w3', projectId, '2025-03-02T09:00:00Z', 75)]);
    clock = Date.parse('2025-03-03T00:10:00Z');
    const charged = await chargeThrough(ctx, projectId, '2025-03-02');
    // Two closed days, each with a telephony line and a telecom line (120 + 0 on 03-01, 75 on 03-02).
    expect(charged.days.map((d) => [d.date, d.telecomTotal, d.lines.some((l) => l.type === 'product_daily')])).toEqual([['2025-03-01', 120, true], ['2025-03-02', 75, true]]);
    // Late: 03-01 is closed, so it counts on 03-03; and one not debited yet, received just now.
    await useAndDebit([call('w4', projectId, '2025-03-01T20:00:00Z', 33)]);
    await storeUsage(ctx, [call('w5', projectId, '2025-03-03T00:05:00Z', 9)]);
  });

  it('finds the records they wrote consistent, through both paths', async () => {
    const summary = await reconcileAll({ doc: ctx.doc, tables: ctx.tables }, { now: clock, zone: ctx.zone });
    expect(summary).toMatchObject({ projects: 1, usageEvents: 5, mismatches: 0, reports: [] });
    expect(await reconcileProject(ctx, projectId, { now: clock, zone: ctx.zone, lookbackDays: 1 })).toEqual({ projectId, ok: true, mismatches: [], settled: true });
  });

  it('then catches a balance changed outside a recorded movement, and the event left undebited', async () => {
    await ctx.doc.send(new UpdateCommand({ TableName: ctx.tables.projects, Key: keys.project(projectId), UpdateExpression: 'ADD balance :d, version :one', ExpressionAttributeValues: { ':d': 500, ':one': 1 } }));
    const later = clock + 20 * 60_000; // w5 was received 20 minutes before this run
    const r = await reconcileProject(ctx, projectId, { now: later, zone: ctx.zone, lookbackDays: 1 });
    expect(r.mismatches.map((m) => m.kind).sort()).toEqual(['balance', 'undebited']);
    const balance = r.mismatches.find((m) => m.kind === 'balance')!;
    expect(balance.actual! - balance.expected!).toBe(500);
  });
});
