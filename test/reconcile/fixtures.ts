/**
 * Items written straight to the tables in the DATA FORMATS layout, so each reconciler test states the
 * exact records it judges (no handler in between whose own bugs would blur the picture).
 */
import { timeKeyOf } from '../../shared/store/usage';
import { PutCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../../local/dynamo';
import { chargeShardOf, keys } from '../../shared/store/keys';
import type { StoreContext } from '../../shared/store/context';

type Tables = StoreContext['tables'];
import { type LedgerEntry } from '../../shared/domain/ledger';
import { type ProjectItem } from '../../shared/store/projects';

/** 2025-03-04 12:00 in Kyiv (UTC+2): today is 2025-03-04. */
export const NOW = Date.parse('2025-03-04T10:00:00.000Z');
export const MIN = 60_000;
export const iso = (ms: number) => new Date(ms).toISOString();

export function tablesOf(t: TableNames): Tables {
  return { projects: t.PROJECTS_TABLE, ledger: t.LEDGER_TABLE, usage: t.USAGE_TABLE, plans: t.PLANS_TABLE, events: t.EVENTS_TABLE, webhooks: t.WEBHOOKS_TABLE };
}

export interface EventSpec { eventId: string; cost: number; day: string; receivedAt?: string; debitedAt?: string; countedOn?: string }

export class Fixture {
  constructor(readonly doc: DynamoDBDocumentClient, readonly tables: Tables) {}

  async project(projectId: string, fields: Partial<ProjectItem> = {}): Promise<void> {
    const item: ProjectItem = {
      ...keys.project(projectId),
      sk: 'project',
      projectId,
      name: projectId,
      currency: 'UAH',
      balance: 0,
      creditLimit: 0,
      status: 'active',
      billingStartDate: '2025-03-01',
      chargedThrough: '2025-02-28',
      chargeShard: chargeShardOf(projectId),
      version: 0,
      createdAt: '2025-03-01T08:00:00.000Z',
      ...fields,
    };
    await this.doc.send(new PutCommand({ TableName: this.tables.projects, Item: item }));
  }

  async entry(projectId: string, e: Omit<LedgerEntry, 'description'> & { description?: string }): Promise<void> {
    await this.doc.send(new PutCommand({
      TableName: this.tables.ledger,
      Item: { ...keys.ledger(projectId, e.date, e.entryId), projectId, createdAt: iso(NOW - 60 * MIN), description: e.description ?? e.type, ...e },
    }));
  }

  /** A usage item as POST /usage stores it, and its debit mark when `debitedAt` is given. */
  async event(projectId: string, e: EventSpec): Promise<void> {
    const { debitedAt, countedOn, ...usage } = e;
    const occurredAt = `${e.day}T09:00:00.000Z`;
    await this.doc.send(new PutCommand({
      TableName: this.tables.usage,
      Item: {
        ...keys.usage(e.eventId),
        projectId,
        kind: 'outgoing_call',
        destination: '+380441234567',
        occurredAt,
        durationSec: 60,
        projectDay: keys.projectDay(projectId, e.day),
        timeKey: timeKeyOf(occurredAt, e.eventId),
        receivedAt: iso(NOW - 120 * MIN),
        ...usage,
      },
    }));
    if (debitedAt !== undefined) await this.mark(projectId, e.eventId, debitedAt, countedOn);
  }

  /** The debit's mark of an event (countedOn left out: a damaged mark). */
  async mark(projectId: string, eventId: string, debitedAt: string, countedOn?: string): Promise<void> {
    await this.doc.send(new PutCommand({
      TableName: this.tables.ledger,
      Item: { ...keys.debitMark(eventId), eventId, projectId, debitedAt, ...(countedOn !== undefined ? { countedOn } : {}) },
    }));
  }

  async telecom(projectId: string, date: string, total: number, events: number): Promise<void> {
    await this.doc.send(new PutCommand({ TableName: this.tables.projects, Item: { ...keys.telecom(projectId, date), total, events } }));
  }

  /**
   * A consistent project: days 03-01 and 03-02 charged, 03-03 and 03-04 open.
   *   payment +10000; telephony -100 on 03-01 and 03-02; a number -10 on 03-01
   *   events: e1 30 (03-01, counted 03-01), e0 0 (unanswered, 03-02), e2 20 (03-02, counted 03-02),
   *           e3 5 (day 03-01 arriving late: counted 03-03), e4 7 (counted 03-03),
   *           e5 11 received a minute ago, not debited yet (not stuck)
   *   telecom_daily 03-01 = -30, 03-02 = -20 (e0 + e2); open total 03-03 = 12 over 2 events
   *   balance = 10000 - 100 - 100 - 10 - (30 + 0 + 20 + 5 + 7) = 9790 - 62 = 9728
   */
  async consistent(projectId: string, overrides: Partial<ProjectItem> = {}): Promise<void> {
    await this.project(projectId, { balance: 9728, chargedThrough: '2025-03-02', version: 9, ...overrides });
    await this.entry(projectId, { entryId: 'payment#p1', date: '2025-03-01', type: 'payment', amount: 10000, balanceEffect: true });
    await this.entry(projectId, { entryId: 'charge#2025-03-01#product#telephony', date: '2025-03-01', type: 'product_daily', amount: -100, balanceEffect: true, productId: 'telephony' });
    await this.entry(projectId, { entryId: 'charge#2025-03-02#product#telephony', date: '2025-03-02', type: 'product_daily', amount: -100, balanceEffect: true, productId: 'telephony' });
    await this.entry(projectId, { entryId: 'charge#2025-03-01#number#+380441234567', date: '2025-03-01', type: 'number_daily', amount: -10, balanceEffect: true, number: '+380441234567' });
    await this.entry(projectId, { entryId: 'telecom#2025-03-01', date: '2025-03-01', type: 'telecom_daily', amount: -30, balanceEffect: false });
    await this.entry(projectId, { entryId: 'telecom#2025-03-02', date: '2025-03-02', type: 'telecom_daily', amount: -20, balanceEffect: false });
    const debited = iso(NOW - 100 * MIN);
    await this.event(projectId, { eventId: `${projectId}-e1`, cost: 30, day: '2025-03-01', debitedAt: debited, countedOn: '2025-03-01' });
    await this.event(projectId, { eventId: `${projectId}-e0`, cost: 0, day: '2025-03-02', debitedAt: debited, countedOn: '2025-03-02' });
    await this.event(projectId, { eventId: `${projectId}-e2`, cost: 20, day: '2025-03-02', debitedAt: debited, countedOn: '2025-03-02' });
    await this.event(projectId, { eventId: `${projectId}-e3`, cost: 5, day: '2025-03-01', debitedAt: debited, countedOn: '2025-03-03' });
    await this.event(projectId, { eventId: `${projectId}-e4`, cost: 7, day: '2025-03-03', debitedAt: debited, countedOn: '2025-03-03' });
    await this.event(projectId, { eventId: `${projectId}-e5`, cost: 11, day: '2025-03-04', receivedAt: iso(NOW - MIN) });
    await this.telecom(projectId, '2025-03-03', 12, 2);
  }
}
