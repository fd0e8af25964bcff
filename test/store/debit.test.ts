/**
 * The debit's mechanics on DynamoDB Local with hand-built stream records: transaction sizing across
 * many days, the record filter, and what is reported when a record or a project cannot be debited.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { marshall } from '@aws-sdk/util-dynamodb';
import type { DynamoDBRecord, DynamoDBStreamEvent } from 'aws-lambda';
import { batchResponseOf, debitRecordsOf, debitStream, lowestSequenceNumber } from '../../functions/usage/debit-usage';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { MAX_TRANSACTION_ITEMS } from '../../shared/store/transactions';
import { usageItemOf } from '../../shared/store/usage';
import { useTables } from '../support/dynamo';
import { faultyDoc } from '../support/faulty-doc';
import { moneyState } from '../support/money-check';
import { type RatedUsageEvent, countedDay } from '../../shared/domain/usage';
import { createProject } from '../../shared/billing/projects';
import { recordPayment } from '../../shared/billing/payments';
import { storeUsage } from '../../shared/billing/ingest-usage';

let env: Awaited<ReturnType<typeof useTables>>;
beforeAll(async () => {
  env = await useTables();
  setRuntime({ now: () => Date.parse('2026-03-10T10:00:00Z') });
});

let seq = 1000;
function record(event: RatedUsageEvent, eventName: DynamoDBRecord['eventName'] = 'INSERT'): DynamoDBRecord {
  const item = usageItemOf(storeContext().zone, event, '2026-03-10T10:00:00.000Z');
  return { eventName, dynamodb: { SequenceNumber: String(seq++), NewImage: marshall(item) as NonNullable<DynamoDBRecord['dynamodb']>['NewImage'] } };
}

async function project(paid: number): Promise<string> {
  const p = (await createProject(storeContext(), { name: 'd', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-01-01' })).project.projectId;
  await recordPayment(storeContext(), p, `pay-${p}`, paid);
  return p;
}

describe('countedDay', () => {
  it('is the event day while open, else the first open day', () => {
    expect(countedDay('2026-03-10', '2026-03-09')).toBe('2026-03-10');
    expect(countedDay('2026-03-10', '2026-03-10')).toBe('2026-03-11');
    expect(countedDay('2026-03-01', '2026-03-09')).toBe('2026-03-10');
    expect(countedDay('2026-03-31', '2026-02-28')).toBe('2026-03-31');
  });
});

describe('lowestSequenceNumber', () => {
  it('compares as numbers, not text', () => {
    expect(lowestSequenceNumber(['900', '10000', '1000'])).toBe('900');
    expect(lowestSequenceNumber([])).toBeUndefined();
    expect(batchResponseOf({ failed: [{ projectId: 'a', sequenceNumbers: ['52', '9'], error: '' }, { projectId: 'b', sequenceNumbers: ['31'], error: '' }] }))
      .toEqual({ batchItemFailures: [{ itemIdentifier: '9' }] });
  });
});

describe('the debit of a batch', () => {
  it('keeps every transaction within 100 items when events span many days', async () => {
    const p = await project(1_000_000);
    // 150 SMS over 75 open days (2 a day, 120 each): a chunk needs one telecom item per day it touches.
    const events: RatedUsageEvent[] = Array.from({ length: 150 }, (_, i) => {
      const d = new Date(Date.UTC(2026, 0, 1 + Math.floor(i / 2))).toISOString().slice(0, 10);
      return { eventId: `days-${i}`, projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: `${d}T12:00:00Z`, segments: 1, cost: 120 };
    });
    await storeUsage(storeContext(), events);
    const doc = faultyDoc(env.doc, () => undefined);
    const res = await debitStream({ Records: events.map((e) => record(e)) }, storeContext({ doc }));
    expect(res.batchItemFailures).toEqual([]);
    const sizes = doc.calls.filter((c) => c.name === 'TransactWriteCommand').map((c) => c.input.TransactItems.length as number);
    expect(Math.max(...sizes)).toBeLessThanOrEqual(MAX_TRANSACTION_ITEMS);
    expect(sizes.length).toBeGreaterThanOrEqual(3); // 150 marks + 75 days + balance updates cannot fit in two
    const s = await moneyState(env.doc, env.tables, p);
    expect(s.balance).toBe(1_000_000 - 150 * 120);
    expect(s.telecomEvents).toBe(150);
    expect(s.undebited).toBe(0);
  });

  it('ignores MODIFY and REMOVE records and reports a record it cannot read', async () => {
    const p = await project(1_000);
    const e: RatedUsageEvent = { eventId: 'mod-1', projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T12:00:00Z', segments: 1, cost: 120 };
    await storeUsage(storeContext(), [e]);
    const { records, unreadable } = debitRecordsOf([record(e, 'MODIFY'), record(e, 'REMOVE')]);
    expect(records).toEqual([]);
    expect(unreadable).toEqual([]);
    const broken: DynamoDBRecord = { eventName: 'INSERT', dynamodb: { SequenceNumber: '7', NewImage: { pk: { S: 'usage#x' } } } };
    const event: DynamoDBStreamEvent = { Records: [broken, record(e)] };
    expect(await debitStream(event)).toEqual({ batchItemFailures: [{ itemIdentifier: '7' }] });
    // The readable record was still debited; a redelivery moves nothing.
    expect((await moneyState(env.doc, env.tables, p)).balance).toBe(880);
    await debitStream({ Records: [record(e)] });
    expect((await moneyState(env.doc, env.tables, p)).balance).toBe(880);
  });

  it('reports the records of a project that does not exist', async () => {
    const ghost: RatedUsageEvent = { eventId: 'ghost-1', projectId: 'prj_ghost', kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T12:00:00Z', segments: 1, cost: 120 };
    await storeUsage(storeContext(), [ghost]);
    const r = record(ghost);
    expect(await debitStream({ Records: [r] })).toEqual({ batchItemFailures: [{ itemIdentifier: r.dynamodb!.SequenceNumber }] });
  });
});
