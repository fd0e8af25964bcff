import { beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as listUsage } from '../../functions/api/list-usage';
import { handler as postUsage } from '../../functions/api/post-usage';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { useTables } from '../support/dynamo';
import { call, projectAuth, TELEPHONY, type Auth } from '../support/http';
import { createProject } from '../../shared/billing/projects';
import { usageWrites } from '../../shared/billing/ingest-usage';

let env: Awaited<ReturnType<typeof useTables>>;
beforeAll(async () => {
  env = await useTables();
  setRuntime({ now: () => Date.parse('2026-03-10T10:00:00Z') });
});

async function newProject(): Promise<string> {
  return (await createProject(storeContext(), { name: 'usage', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01' })).project.projectId;
}
const post = (body: unknown, auth = TELEPHONY as Auth) => call(postUsage, 'POST /usage', { auth, body });
const stored = async (projectId: string) => (await env.doc.send(new ScanCommand({
  TableName: env.tables.USAGE_TABLE, FilterExpression: 'projectId = :p', ExpressionAttributeValues: { ':p': projectId }, ConsistentRead: true,
}))).Items ?? [];

describe('POST /usage', () => {
  it('rates and stores each event once, counting duplicates within and across requests', async () => {
    const p = await newProject();
    const events = [
      // Kyiv landline, per second at 60/min: 90 s -> 60 * 90 / 60 = 90
      { eventId: 'u1', projectId: p, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T09:00:00+02:00', durationSec: 90 },
      // Vodafone 150/min, 30 s then 6 s: 45 s bills 30 + ceil(15/6)*6 = 48 s -> 150 * 48 / 60 = 120
      { eventId: 'u2', projectId: p, kind: 'forwarded_call', destination: '+380501234567', occurredAt: '2026-03-10T08:00:00Z', durationSec: 45 },
      // Kyivstar SMS 120 per segment, 2 segments -> 240
      { eventId: 'u3', projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T11:00:00+02:00', segments: 2 },
      // unanswered -> 0
      { eventId: 'u4', projectId: p, kind: 'outgoing_call', destination: '+380501234567', occurredAt: '2026-03-10T12:00:00+02:00', durationSec: 0 },
    ];
    const first = await post({ events: [...events, events[0]] });
    expect(first.status).toBe(202);
    expect(first.body).toEqual({ accepted: 4, duplicates: 1 });
    const again = await post({ events });
    expect(again.body).toEqual({ accepted: 0, duplicates: 4 });
    const items = await stored(p);
    expect(items).toHaveLength(4);
    expect(Object.fromEntries(items.map((i) => [i.eventId, i.cost]))).toEqual({ u1: 90, u2: 120, u3: 240, u4: 0 });
    expect(items.every((i) => i.day === '2026-03-10' && i.projectDay === `${p}#2026-03-10` && i.debitedAt === undefined)).toBe(true);

    const list = await call(listUsage, 'GET /projects/{projectId}/usage', { params: { projectId: p }, query: { date: '2026-03-10' }, auth: projectAuth(p) });
    expect(list.status).toBe(200);
    // By instant: 09:00+02 (07:00Z), 08:00Z, 11:00+02 (09:00Z), 12:00+02 (10:00Z).
    expect(list.body.events.map((e: { eventId: string }) => e.eventId)).toEqual(['u1', 'u2', 'u3', 'u4']);
    expect(list.body.events[2]).toEqual({ ...events[2], cost: 240 });
    const otherDay = await call(listUsage, 'GET /projects/{projectId}/usage', { params: { projectId: p }, query: { date: '2026-03-09' } });
    expect(otherDay.body.events).toEqual([]);
  });

  it('puts an event on the billing day of its instant in the billing time zone', async () => {
    const p = await newProject();
    // 22:30Z on the 9th is 00:30 on the 10th in Kyiv.
    await post({ events: [{ eventId: 'tz1', projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-09T22:30:00Z', segments: 1 }] });
    expect((await stored(p))[0]?.day).toBe('2026-03-10');
  });

  it('refuses the whole request for one unknown destination or unknown project, writing nothing', async () => {
    const p = await newProject();
    const good = { eventId: 'g1', projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T10:00:00Z', segments: 1 };
    const unknownDest = await post({ events: [good, { ...good, eventId: 'g2', destination: '+99912345678' }] });
    expect(unknownDest.status).toBe(400);
    expect(unknownDest.body.error.code).toBe('unknown_destination');
    const unknownProject = await post({ events: [good, { ...good, eventId: 'g3', projectId: 'prj_missing' }] });
    expect(unknownProject.status).toBe(400);
    expect(unknownProject.body.error.code).toBe('unknown_project');
    expect(await stored(p)).toHaveLength(0);
  });

  it('refuses malformed batches with 400 and the error body, writing nothing', async () => {
    const p = await newProject();
    const e = (i: number, extra: Record<string, unknown> = {}) => ({ eventId: `m${i}`, projectId: p, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T10:00:00Z', durationSec: 10, ...extra });
    const cases: [string, { body?: unknown; rawBody?: string }][] = [
      ['malformed JSON', { rawBody: '{"events": [' }],
      ['no events', { body: { events: [] } }],
      ['501 events', { body: { events: Array.from({ length: 501 }, (_, i) => e(i)) } }],
      ['unknown top-level field', { body: { events: [e(1)], source: 'x' } }],
      ['unknown event field', { body: { events: [e(1, { price: 5 })] } }],
      ['negative duration', { body: { events: [e(1, { durationSec: -1 })] } }],
      ['fractional duration', { body: { events: [e(1, { durationSec: 1.5 })] } }],
      ['duration as a string', { body: { events: [e(1, { durationSec: '10' })] } }],
      ['call without duration', { body: { events: [e(1, { durationSec: undefined })] } }],
      ['sms without segments', { body: { events: [e(1, { kind: 'sms', durationSec: undefined })] } }],
      ['sms with 0 segments', { body: { events: [e(1, { kind: 'sms', durationSec: undefined, segments: 0 })] } }],
      ['unknown kind', { body: { events: [e(1, { kind: 'fax' })] } }],
      ['destination not E.164', { body: { events: [e(1, { destination: '0441234567' })] } }],
      ['instant without offset', { body: { events: [e(1, { occurredAt: '2026-03-10T10:00:00' })] } }],
      ['valid events before a bad one', { body: { events: [e(1), e(2), e(3, { segments: 2 })] } }],
      ['six tags', { body: { events: [e(1, { tags: { a: '1', b: '2', c: '3', d: '4', e: '5', f: '6' } })] } }],
      ['a tag key with a capital', { body: { events: [e(1, { tags: { Employee: 'olena' } })] } }],
      ['a tag key starting with a digit', { body: { events: [e(1, { tags: { '1x': 'a' } })] } }],
      ['a tag key of 33 characters', { body: { events: [e(1, { tags: { ['k'.repeat(33)]: 'a' } })] } }],
      ['a tag key __proto__', { rawBody: JSON.stringify({ events: [e(1)] }).replace('"durationSec"', '"tags":{"__proto__":"x"},"durationSec"') }],
      ['an empty tag value', { body: { events: [e(1, { tags: { employee: '' } })] } }],
      ['a tag value of 65 characters', { body: { events: [e(1, { tags: { employee: 'o'.repeat(65) } })] } }],
      ['a tag value with a line break', { body: { events: [e(1, { tags: { employee: 'a\nb' } })] } }],
      ['a tag value that is a number', { body: { events: [e(1, { tags: { employee: 5 } })] } }],
      ['tags that are a list', { body: { events: [e(1, { tags: ['employee'] })] } }],
    ];
    for (const [what, opts] of cases) {
      const res = await call(postUsage, 'POST /usage', { auth: TELEPHONY, ...opts });
      expect(res.status, what).toBe(400);
      expect(res.body.error.message, what).toBeTypeOf('string');
    }
    expect(await stored(p)).toHaveLength(0);
  });

  it('stores up to 5 tags with the event and the prefix that rated it, and lists the tags back', async () => {
    const p = await newProject();
    const tags = { employee: 'olena', campaign: 'google-ads', constructor: 'Ї 64'.padEnd(64, 'ї'), x: '1', y_2: 'two words' };
    const res = await post({ events: [
      { eventId: `tag-${p}`, projectId: p, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T10:00:00Z', durationSec: 10, tags },
      { eventId: `untagged-${p}`, projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T10:01:00Z', segments: 1 },
    ] });
    expect(res.body).toEqual({ accepted: 2, duplicates: 0 });
    const items = await stored(p);
    const tagged = items.find((i) => i.eventId === `tag-${p}`)!;
    // Stored as pairs, sorted by key: a map attribute named `constructor` would break the marshaller.
    expect(tagged.tagPairs).toEqual(Object.entries(tags).sort(([a], [b]) => (a < b ? -1 : 1)));
    expect(tagged.prefix).toMatch(/^380/);
    const listed = await call(listUsage, 'GET /projects/{projectId}/usage', { auth: projectAuth(p), params: { projectId: p }, query: { date: '2026-03-10' } });
    expect(listed.body.events[0].tags).toEqual(tags);
    expect(listed.body.events[1]).not.toHaveProperty('tags');
  });

  it('takes 500 events in one request', async () => {
    const p = await newProject();
    const events = Array.from({ length: 500 }, (_, i) => ({ eventId: `big-${i}`, projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T10:00:00Z', segments: 1 }));
    const res = await post({ events });
    expect(res.body).toEqual({ accepted: 500, duplicates: 0 });
  });

  it('is for admin and telephony keys only', async () => {
    const p = await newProject();
    const body = { events: [{ eventId: 'r1', projectId: p, kind: 'sms', destination: '+380671234567', occurredAt: '2026-03-10T10:00:00Z', segments: 1 }] };
    expect((await post(body, projectAuth(p))).status).toBe(403);
    expect((await post(body, null)).status).toBe(401);
    expect(await stored(p)).toHaveLength(0);
  });
});

describe('GET /projects/{projectId}/usage', () => {
  it('needs a valid date, the right project and an existing project', async () => {
    const p = await newProject();
    const params = { projectId: p };
    expect((await call(listUsage, 'GET /projects/{projectId}/usage', { params, query: {} })).status).toBe(400);
    expect((await call(listUsage, 'GET /projects/{projectId}/usage', { params, query: { date: '2026-13-01' } })).status).toBe(400);
    expect((await call(listUsage, 'GET /projects/{projectId}/usage', { params, query: { date: '2026-03-10', extra: '1' } })).status).toBe(400);
    expect((await call(listUsage, 'GET /projects/{projectId}/usage', { params, query: { date: '2026-03-10' }, auth: projectAuth('prj_other') })).status).toBe(403);
    expect((await call(listUsage, 'GET /projects/{projectId}/usage', { params, query: { date: '2026-03-10' }, auth: TELEPHONY })).status).toBe(403);
    expect((await call(listUsage, 'GET /projects/{projectId}/usage', { params: { projectId: 'prj_missing' }, query: { date: '2026-03-10' } })).status).toBe(404);
  });
});

describe('how POST /usage writes (USAGE_WRITES)', () => {
  const base = { PROJECTS_TABLE: 'p', LEDGER_TABLE: 'l', USAGE_TABLE: 'u', PLANS_TABLE: 'pl', EVENTS_TABLE: 'e', WEBHOOKS_TABLE: 'w', BILLING_TIME_ZONE: 'Europe/Kyiv', CURRENCY: 'UAH', WEBHOOK_ALLOW_LOOPBACK: false };
  it('writes in transactions on DynamoDB Local and one put per event on DynamoDB, unless told', () => {
    expect(usageWrites({ ...base, DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000' })).toBe('transactions');
    expect(usageWrites(base)).toBe('per-event');
    expect(usageWrites({ ...base, USAGE_WRITES: 'transactions' })).toBe('transactions');
    expect(usageWrites({ ...base, DYNAMODB_ENDPOINT: 'http://127.0.0.1:8000', USAGE_WRITES: 'per-event' })).toBe('per-event');
  });
});
