/**
 * Shared setup of the exactly-once tests: tables on DynamoDB Local, a fixed clock, captured domain
 * events, projects with a payment, generated usage events and their expected costs.
 */
import { expect } from 'vitest';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { raterFor } from '../../shared/domain/rating';
import { setRuntime } from '../../shared/runtime';
import { storeContext } from '../../shared/store/context';
import { handler as postUsage } from '../../functions/api/post-usage';
import { useTables } from '../support/dynamo';
import { call, TELEPHONY } from '../support/http';
import { moneyState } from '../support/money-check';
import { inserts, StreamReader, type StreamRecord } from '../support/stream';
import { type UsageEvent } from '../../shared/domain/usage';
import { type BusEvent } from '../../shared/runtime';
import { recordPayment } from '../../shared/billing/payments';
import { createProject } from '../../shared/billing/projects';

/** 2026-03-10 12:00 in Kyiv (UTC+2 in March before DST). */
export const NOW = Date.parse('2026-03-10T10:00:00Z');
export const TODAY = '2026-03-10';

export async function setup(opts: { ownEmulator?: boolean } = {}) {
  const env = await useTables(opts);
  const published: BusEvent[] = [];
  setRuntime({ now: () => NOW, events: { publish: async (e) => { published.push(...e); } } });
  const reader = new StreamReader(env.endpoint, env.tables.USAGE_TABLE);
  return { ...env, published, reader };
}

export type Env = Awaited<ReturnType<typeof setup>>;

let projectSeq = 0;

export async function paidProject(paid: number, creditLimit = 0): Promise<string> {
  const ctx = storeContext();
  const { project } = await createProject(ctx, { name: `p${++projectSeq}`, currency: 'UAH', creditLimit, billingStartDate: '2026-03-01' });
  if (paid > 0) await recordPayment(ctx, project.projectId, `pay-${project.projectId}`, paid);
  return project.projectId;
}

/**
 * A mix of calls and messages: Kyiv landline calls (60/min per second), Vodafone calls (150/min, 30 s
 * then 6 s), unanswered calls and SMS, spread over the morning (before the fixed clock's noon: future events are refused).
 */
export function usageEvents(projectId: string, n: number, tag: string, day = TODAY): UsageEvent[] {
  return Array.from({ length: n }, (_, i): UsageEvent => {
    const occurredAt = `${day}T${String(i % 12).padStart(2, '0')}:${String(i % 60).padStart(2, '0')}:00+02:00`;
    const eventId = `${tag}-${projectId}-${i}`;
    switch (i % 4) {
      case 0: return { eventId, projectId, kind: 'outgoing_call', destination: '+380441234567', occurredAt, durationSec: 1 + (i % 300) };
      case 1: return { eventId, projectId, kind: 'forwarded_call', destination: '+380501234567', occurredAt, durationSec: i % 200 };
      case 2: return { eventId, projectId, kind: 'sms', destination: '+380671234567', occurredAt, segments: 1 + (i % 3) };
      default: return { eventId, projectId, kind: 'outgoing_call', destination: '+380501234567', occurredAt, durationSec: 0 };
    }
  });
}

export function costOf(events: readonly UsageEvent[]): number {
  const rater = raterFor(DEFAULT_PLAN.tariff);
  return events.reduce((s, e) => s + rater.rate(e), 0);
}

/** POST /usage in requests of at most 500 events. */
export async function post(events: readonly UsageEvent[]): Promise<{ accepted: number; duplicates: number }> {
  let accepted = 0;
  let duplicates = 0;
  for (let i = 0; i < events.length; i += 500) {
    const res = await call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: events.slice(i, i + 500) } });
    expect(res.status, JSON.stringify(res.body)).toBe(202);
    accepted += res.body.accepted;
    duplicates += res.body.duplicates;
  }
  return { accepted, duplicates };
}

/** The INSERT records of `eventIds`, read from the real stream. */
export async function streamOf(env: Env, eventIds: readonly string[]): Promise<StreamRecord[]> {
  const want = new Set(eventIds);
  const mine = (rs: StreamRecord[]) => inserts(rs).filter((r) => want.has(String(r.dynamodb?.NewImage?.eventId?.S)));
  const all = await env.reader.readUntil((rs) => mine(rs).length >= want.size);
  const out = mine(all);
  expect(out.length).toBe(want.size);
  return out;
}

/** docs/api.md's invariants for one project: balance = paid - costs, each event debited and counted once. */
export async function expectSettled(env: Env, projectId: string, paid: number, expectedCosts: number): Promise<void> {
  const s = await moneyState(env.doc, env.tables, projectId);
  expect(s.costs).toBe(expectedCosts);
  expect(s.undebited).toBe(0);
  expect(s.balance).toBe(paid - expectedCosts);
  expect(s.telecomTotal).toBe(expectedCosts);
  expect(s.telecomEvents).toBe(s.events);
}
