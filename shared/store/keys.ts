/**
 * Every DynamoDB key paygo writes, built in one place (layout: shared/tables.ts).
 * Money-moving keys are deterministic (docs/reliability.md rule 1): the same movement always lands on the
 * same key, so a conditional put refuses it the second time.
 */
import { createHash } from 'node:crypto';
import { CHARGE_SHARDS } from '../tables';

export const keys = {
  project: (projectId: string) => ({ pk: `project#${projectId}`, sk: 'project' }),
  /** Timeline change: sorted by instant (UTC ISO, fixed width) then a unique suffix. */
  change: (projectId: string, atIso: string, unique: string) => ({ pk: `project#${projectId}`, sk: `change#${atIso}#${unique}` }),
  changePrefix: 'change#',
  /** The timeline's state as of the last charged day (shared/domain/timeline-snapshot.ts). */
  snapshot: (projectId: string) => ({ pk: `project#${projectId}`, sk: 'timeline-snapshot' }),
  sessions: (projectId: string, date: string) => ({ pk: `project#${projectId}`, sk: `sessions#${date}` }),
  sessionsPrefix: 'sessions#',
  /** The running telecom total of one open (not yet charged) day. */
  telecom: (projectId: string, date: string) => ({ pk: `project#${projectId}`, sk: `telecom#${date}` }),
  telecomPrefix: 'telecom#',
  /** A project's statement of a calendar month (shared/store/statements.ts): sorted by month. */
  statement: (projectId: string, month: string) => ({ pk: `project#${projectId}`, sk: `statement#${month}` }),
  statementPrefix: 'statement#',
  /** A project's running sums of a calendar month (shared/store/month-sums.ts). */
  monthSums: (projectId: string, month: string) => ({ pk: `project#${projectId}`, sk: `sums#${month}` }),
  /** The usage report's aggregate of one closed day, by the events' own day (shared/store/usage-aggregates.ts). */
  usageAggregate: (projectId: string, date: string) => ({ pk: `project#${projectId}`, sk: `usage-agg#${date}` }),
  usageAggregatePrefix: 'usage-agg#',
  /** The last closed day whose usage aggregates are written. */
  usageAggregatesMark: (projectId: string) => ({ pk: `project#${projectId}`, sk: 'usage-aggs' }),
  /** Who holds a phone number when (shared/store/numbers.ts): one item per number across projects. */
  number: (e164: string) => ({ pk: `number#${e164}`, sk: 'number' }),
  apiKey: (keyHash: string) => ({ pk: `apikey#${keyHash}`, sk: 'apikey' }),
  apiKeyId: (apiKeyId: string) => ({ pk: `apikeyid#${apiKeyId}`, sk: 'apikeyid' }),
  /** A credit grant's record: its terms, the idempotency of its grant, and how it ended. */
  grant: (projectId: string, grantId: string) => ({ pk: `project#${projectId}`, sk: `grant#${grantId}` }),
  grantPrefix: 'grant#',
  /** What the project's grants paid of the charges counted on one billing day (shared/store/credit-draws.ts). */
  draws: (projectId: string, date: string) => ({ pk: `project#${projectId}`, sk: `draws#${date}` }),
  drawsPrefix: 'draws#',
  /** An adjustment's idempotency record: the first answer, to replay it. */
  adjustment: (projectId: string, adjustmentId: string) => ({ pk: `project#${projectId}`, sk: `adjustment#${adjustmentId}` }),
  /** A usage event's refund, by the event's own day: one query lists a day's refunds. */
  refund: (projectId: string, eventDay: string, eventId: string) => ({ pk: `project#${projectId}`, sk: `refund#${eventDay}#${eventId}` }),
  refundDayPrefix: (eventDay: string) => `refund#${eventDay}#`,
  /** A failed auto top-up's record: the idempotency of its failure report. */
  topup: (projectId: string, topupId: string) => ({ pk: `project#${projectId}`, sk: `topup#${topupId}` }),
  ledgerPk: (projectId: string) => `project#${projectId}`,
  ledger: (projectId: string, date: string, entryId: string) => ({ pk: `project#${projectId}`, sk: `${date}#${entryId}` }),
  payment: (paymentId: string) => ({ pk: `payment#${paymentId}`, sk: 'payment' }),
  usage: (eventId: string) => ({ pk: `usage#${eventId}` }),
  /** Ledger table: the debit's mark of one usage event (shared/store/debit-marks.ts). */
  debitMark: (eventId: string) => ({ pk: `debit#${eventId}`, sk: 'debit' }),
  projectDay: (projectId: string, date: string) => `${projectId}#${date}`,
  /** Plans table: every plan's item in one partition, so listing plans is one query. */
  plan: (planId: string) => ({ pk: 'plans', sk: `plan#${planId}` }),
  plansPk: 'plans',
  /** A plan's version, zero-padded so versions sort by number. */
  planVersion: (planId: string, version: number) => ({ pk: `plan#${planId}`, sk: `version#${String(version).padStart(10, '0')}` }),
  tariffPart: (tariffId: string, part: number) => ({ pk: `tariff#${tariffId}`, sk: `part#${String(part).padStart(4, '0')}` }),
  tariffPk: (tariffId: string) => `tariff#${tariffId}`,
  /** Events table: a project's events, sorted by their number `sequence`. */
  eventsPk: (projectId: string) => `project#${projectId}`,
  /** Webhooks table: a project's endpoints in its partition. */
  webhook: (projectId: string, webhookId: string) => ({ pk: `project#${projectId}`, sk: `webhook#${webhookId}` }),
  webhookPrefix: 'webhook#',
  /** Webhooks table: an endpoint's delivery attempts, sorted by time. */
  attemptsPk: (webhookId: string) => `webhook#${webhookId}`,
  /** Within one instant, in the order a drain makes them: by the event's sequence, then attempt. */
  attempt: (webhookId: string, atIso: string, sequence: number, attempt: number, eventId: string) => ({
    pk: `webhook#${webhookId}`,
    sk: `attempt#${atIso}#${String(sequence).padStart(16, '0')}#${String(attempt).padStart(3, '0')}#${eventId}`,
  }),
};

/** The id of the auto top-up requested by the write that gives `projectId` version `version`: one cause, one id. */
export function topupIdOf(projectId: string, version: number): string {
  return `tu_${createHash('sha256').update(`${projectId}\u0000topup\u0000${version}`).digest('base64url').slice(0, 24)}`;
}

/** SHA-256 of an API key: the only form a key is ever stored in. */
export function hashApiKey(apiKey: string): string {
  return createHash('sha256').update(apiKey).digest('hex');
}

/** Spreads projects over the fan-out index's partitions so the nightly query never hits one hot key. */
export function chargeShardOf(projectId: string): string {
  const h = createHash('sha256').update(projectId).digest();
  return `shard#${h.readUInt32BE(0) % CHARGE_SHARDS}`;
}
