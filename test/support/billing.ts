/**
 * Helpers for the nightly-billing tests: a settable clock, projects, timeline changes written through
 * the real store, usage debited through the real ingest and debit code, SQS events, and a few ledger
 * reads straight from the tables.
 */
import type { SQSEvent } from 'aws-lambda';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { raterFor } from '../../shared/domain/rating';
import { randomBytes } from 'node:crypto';
import { aesGcmSecretBox } from '../../local/secret-box';
import { setRuntime, type ChargeMessage, type DeliveryMessage } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { toLedgerEntry } from '../../shared/store/ledger';
import { usageItemOf } from '../../shared/store/usage';
import { useTables } from './dynamo';
import { type LedgerEntry } from '../../shared/domain/ledger';
import { type UsageEvent } from '../../shared/domain/usage';
import { type BusEvent } from '../../shared/runtime';
import { debitProject } from '../../shared/billing/debit-usage';
import { type ProjectItem, getProjectItem } from '../../shared/store/projects';
import { recordPayment } from '../../shared/billing/payments';
import { createProject } from '../../shared/billing/projects';
import { type ChangeInput, appendChange } from '../../shared/billing/timeline-changes';
import { storeUsage } from '../../shared/billing/ingest-usage';

/** A clock the test moves, captured bus events, sent charge and delivery messages, on fresh tables. */
export async function billingEnv(startIso: string) {
  const env = await useTables();
  const clock = { ms: Date.parse(startIso) };
  const published: BusEvent[] = [];
  const sent: ChargeMessage[] = [];
  const deliveries: { message: DeliveryMessage; delaySeconds: number }[] = [];
  setRuntime({
    now: () => clock.ms,
    events: { publish: async (e) => { published.push(...e); } },
    chargeQueue: { send: async (m) => { sent.push(...m); } },
    deliveryQueue: { send: async (e) => { deliveries.push(...e); } },
    secrets: aesGcmSecretBox(randomBytes(32)),
  });
  return {
    ...env,
    published,
    sent,
    deliveries,
    /** Sets the clock to an ISO instant. */
    at(iso: string): void { clock.ms = Date.parse(iso); },
    nowMs: () => clock.ms,
  };
}

let seq = 0;

export async function newProject(opts: { billingStartDate: string; balance?: number; creditLimit?: number; name?: string }): Promise<string> {
  const ctx = storeContext();
  const { project } = await createProject(ctx, { name: opts.name ?? `p${++seq}`, currency: 'UAH', creditLimit: opts.creditLimit ?? 0, billingStartDate: opts.billingStartDate });
  if (opts.balance) await recordPayment(ctx, project.projectId, `pay-${project.projectId}-0`, opts.balance);
  return project.projectId;
}

/** A change as appended by `change` (no check of the prices). */
export type ChangeInputOf = ChangeInput;

/** Appends a change through the store (as an admin would, `effectiveAt` = `atIso`). */
export async function change(projectId: string, atIso: string, input: ChangeInput): Promise<void> {
  await appendChange(storeContext(), projectId, { effectiveAt: atIso }, () => input);
}

export const product = (productId: 'telephony' | 'calltracking' | 'callback' | 'analytics', enabled: boolean, seats?: number): ChangeInput =>
  ({ kind: 'product', productId, enabled, ...(seats !== undefined ? { seats } : {}) });
export const number = (n: string, held: boolean, numberType: 'local' | 'mobile' | 'tollfree' = 'local'): ChangeInput =>
  ({ kind: 'number', number: n, numberType, held });

export async function project(projectId: string): Promise<ProjectItem> {
  const ctx = storeContext();
  return getProjectItem(ctx, projectId);
}

/** Every ledger item of a project, as stored (sk order). */
export async function ledgerOf(projectId: string): Promise<LedgerEntry[]> {
  const ctx = storeContext();
  const out: LedgerEntry[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ctx.doc.send(new QueryCommand({
      TableName: ctx.tables.ledger, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.ledgerPk(projectId) }, ConsistentRead: true,
      ...(start ? { ExclusiveStartKey: start } : {}),
    }));
    out.push(...(page.Items ?? []).map(toLedgerEntry));
    start = page.LastEvaluatedKey;
  } while (start);
  return out;
}

/** The lines of one day (telecom line included). */
export async function linesOf(projectId: string, date: string): Promise<LedgerEntry[]> {
  return (await ledgerOf(projectId)).filter((e) => e.date === date);
}

/** Sum of the balance-effect amounts of entries. */
export function net(entries: readonly LedgerEntry[]): number {
  return entries.filter((e) => e.balanceEffect).reduce((s, e) => s + e.amount, 0);
}

let eventSeq = 0;

/**
 * Usage through the real path: rated with the default tariff, stored by storeUsage, debited by
 * debitProject (what the stream consumer calls). Returns the total cost.
 */
export async function useCalls(projectId: string, calls: { occurredAt: string; durationSec: number; destination?: string }[], ctx = storeContext()): Promise<number> {
  const rater = raterFor(DEFAULT_PLAN.tariff);
  const events = calls.map((c) => {
    const e: UsageEvent = { eventId: `ev-${projectId}-${++eventSeq}`, projectId, kind: 'outgoing_call', destination: c.destination ?? '+380441234567', occurredAt: c.occurredAt, durationSec: c.durationSec };
    return { ...e, cost: rater.rate(e) };
  });
  await storeUsage(ctx, events);
  const receivedAt = new Date(ctx.now()).toISOString();
  await debitProject(ctx, projectId, events.map((e) => usageItemOf(ctx.zone, e, receivedAt)));
  return events.reduce((s, e) => s + e.cost, 0);
}

/** An SQS event carrying `bodies` (strings sent as they are, objects as JSON). */
export function sqsEvent(bodies: (ChargeMessage | string)[]): SQSEvent {
  return {
    Records: bodies.map((b, i) => ({
      messageId: `m${i}`,
      receiptHandle: `r${i}`,
      body: typeof b === 'string' ? b : JSON.stringify(b),
      attributes: { ApproximateReceiveCount: '1', SentTimestamp: '0', SenderId: 'test', ApproximateFirstReceiveTimestamp: '0' },
      messageAttributes: {},
      md5OfBody: '',
      eventSource: 'aws:sqs',
      eventSourceARN: 'arn:aws:sqs:eu-central-1:000000000000:charge',
      awsRegion: 'eu-central-1',
    })),
  };
}
