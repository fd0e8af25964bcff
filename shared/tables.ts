/**
 * The tables, declared once: the CDK stack (lib/constructs/tables.ts), the local twin
 * (local/) and the store (shared/store/) all build on these definitions, and test/infra checks they agree with the
 * synthesised template.
 *
 * Projects: pk/sk. Items: the project (`project#<id>` / `project`), its timeline changes
 *   (`change#<at>#<seq>`), daily sessions (`sessions#<date>`), open telecom totals (`telecom#<date>`),
 *   API keys (`apikey#<sha256>` / `apikey`, and `apikeyid#<id>` / `apikeyid` pointing at the hash),
 *   number holdings (`number#<E164>` / `number`: which project holds a number when).
 *   GSI `byChargedThrough`: pk `chargeShard` (`shard#0`..`shard#N`), sk `chargedThrough` (date):
 *   the nightly fan-out queries `chargedThrough < date` per shard instead of scanning every item.
 * Ledger: pk `project#<id>`, sk `<date>#<entryId>`: append-only entries, read by date range.
 *   Idempotency records live here too: pk `payment#<paymentId>` / `payment`, and the debit's mark of
 *   each usage event, `debit#<eventId>` / `debit` (shared/store/debit-marks.ts).
 * Plans: pk/sk. Every plan's item (`plans` / `plan#<planId>`: name, currency, its versions' days), each
 *   version (`plan#<planId>` / `version#<n>`: products, numbers, discounts, a reference to its tariff),
 *   and tariffs in parts (`tariff#<sha256>` / `part#<i>`), content-addressed so versions share a deck.
 * Events: pk `project#<id>`, sk `sequence` (a number): each project event, written in the transaction of
 *   the change that caused it (the outbox), with a NEW_IMAGE stream the outbox reader delivers from,
 *   and `expiresAt` (TTL) 92 days on. GSI `byEventId`: pk `eventId` (redelivery by id).
 * Webhooks: pk/sk. A project's endpoints (`project#<id>` / `webhook#<webhookId>`, the secret sealed
 *   with a KMS key) and each delivery attempt (`webhook#<webhookId>` / `attempt#<at>#<sequence>#<attempt>#<eventId>`,
 *   newest last, `expiresAt` TTL).
 * Usage: pk `usage#<eventId>`: one item per event (a conditional put refuses duplicates), never written
 *   again, with a NEW_IMAGE stream for the real-time debit. GSI `byProjectDayTime`: pk `projectDay`
 *   (`<projectId>#<date>`), sk `timeKey` (`<UTC instant, fixed width>#<eventId>`): a day's events in time
 *   order across offsets, paged by key (the usage listing and the reconciler). One index only: each
 *   one costs a write unit per event on DynamoDB and about 0.2 ms per event on DynamoDB Local.
 */
export type KeyAttr = { name: string; type: 'S' | 'N' };

export interface TableDefinition {
  /** Logical id in the stack and the env var a function reads the name from. */
  id: 'Projects' | 'Ledger' | 'Usage' | 'Plans' | 'Events' | 'Webhooks';
  envVar: 'PROJECTS_TABLE' | 'LEDGER_TABLE' | 'USAGE_TABLE' | 'PLANS_TABLE' | 'EVENTS_TABLE' | 'WEBHOOKS_TABLE';
  partitionKey: KeyAttr;
  sortKey?: KeyAttr;
  stream?: 'NEW_IMAGE';
  /** The attribute DynamoDB's TTL deletes an item by (epoch seconds). */
  ttlAttribute?: 'expiresAt';
  globalSecondaryIndexes: { indexName: string; partitionKey: KeyAttr; sortKey?: KeyAttr }[];
}

export const CHARGE_SHARDS = 16;

export const TABLES = {
  projects: {
    id: 'Projects',
    envVar: 'PROJECTS_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    // Idempotency records of creates (`idempotency#<hash>` / `idempotency`) expire after 24 hours.
    ttlAttribute: 'expiresAt',
    globalSecondaryIndexes: [
      { indexName: 'byChargedThrough', partitionKey: { name: 'chargeShard', type: 'S' }, sortKey: { name: 'chargedThrough', type: 'S' } },
    ],
  },
  ledger: {
    id: 'Ledger',
    envVar: 'LEDGER_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalSecondaryIndexes: [],
  },
  usage: {
    id: 'Usage',
    envVar: 'USAGE_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    stream: 'NEW_IMAGE',
    globalSecondaryIndexes: [
      { indexName: 'byProjectDayTime', partitionKey: { name: 'projectDay', type: 'S' }, sortKey: { name: 'timeKey', type: 'S' } },
    ],
  },
  plans: {
    id: 'Plans',
    envVar: 'PLANS_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    globalSecondaryIndexes: [],
  },
  events: {
    id: 'Events',
    envVar: 'EVENTS_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sequence', type: 'N' },
    stream: 'NEW_IMAGE',
    ttlAttribute: 'expiresAt',
    globalSecondaryIndexes: [
      { indexName: 'byEventId', partitionKey: { name: 'eventId', type: 'S' } },
    ],
  },
  webhooks: {
    id: 'Webhooks',
    envVar: 'WEBHOOKS_TABLE',
    partitionKey: { name: 'pk', type: 'S' },
    sortKey: { name: 'sk', type: 'S' },
    ttlAttribute: 'expiresAt',
    globalSecondaryIndexes: [],
  },
} as const satisfies Record<string, TableDefinition>;

export type TableKey = keyof typeof TABLES;
export type TableAccess = 'read' | 'write' | 'readWrite';
