/**
 * Prices as data through the use cases, on DynamoDB Local with a settable clock: which days a version
 * may touch, withdrawing one, the guard between "nobody is on this plan" and a project joining it, a
 * product no longer available, and rating with the version of each event's own day (around midnight
 * and around a version's first day, where a cache must never answer for a later day than it read).
 */
import { BatchWriteCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { beforeAll, describe, expect, it } from 'vitest';
import { acceptUsage } from '../../shared/billing/ingest-usage';
import { createPlan, deleteVersion, listPlans, publishVersion } from '../../shared/billing/plans';
import { createProject } from '../../shared/billing/projects';
import { addNumber, changeProduct, movePlan } from '../../shared/billing/timeline-changes';
import { chargeThrough } from '../../shared/billing/charge-through';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import type { NewPlan, PlanVersion } from '../../shared/domain/plan';
import { storeContext } from '../../shared/store/context';
import { keys } from '../../shared/store/keys';
import { newProjectItem } from '../../shared/store/projects';
import { billingEnv, linesOf } from '../support/billing';
import { faultyDoc } from '../support/faulty-doc';

let env: Awaited<ReturnType<typeof billingEnv>>;
const ctx = () => storeContext();
let seq = 0;

/** The default prices with every product and rate at `percent` of them. */
function pricesAt(percent: number): Pick<PlanVersion, 'products' | 'numbers' | 'multiProductDiscounts' | 'tariff'> {
  const at = (x: number) => Math.floor((x * percent) / 100);
  return {
    products: DEFAULT_PLAN.products.map((p) => ({ ...p, monthlyPrice: at(p.monthlyPrice) })),
    numbers: Object.fromEntries(Object.entries(DEFAULT_PLAN.numbers).map(([t, v]) => [t, at(v)])),
    multiProductDiscounts: DEFAULT_PLAN.multiProductDiscounts,
    tariff: { calls: DEFAULT_PLAN.tariff.calls.map((r) => ({ ...r, perMinute: at(r.perMinute) })), sms: DEFAULT_PLAN.tariff.sms.map((r) => ({ ...r, perSegment: at(r.perSegment) })) },
  };
}

async function newPlan(percent = 100): Promise<string> {
  const planId = `plan-${++seq}`;
  const body: NewPlan = { planId, name: `Plan ${seq}`, currency: 'UAH', ...pricesAt(percent) };
  await createPlan(ctx(), body);
  return planId;
}

async function projectOn(planId: string, billingStartDate: string): Promise<string> {
  return (await createProject(ctx(), { name: `p${++seq}`, currency: 'UAH', creditLimit: 1_000_000, billingStartDate, planId })).project.projectId;
}

beforeAll(async () => {
  env = await billingEnv('2026-03-10T10:00:00Z'); // 12:00 in Kyiv
});

/** A plan without call tracking and without toll-free numbers. */
async function narrowPlan(): Promise<string> {
  const planId = `plan-${++seq}`;
  const prices = pricesAt(100);
  await createPlan(ctx(), {
    planId, name: 'Narrow', currency: 'UAH', ...prices,
    products: prices.products.filter((p) => p.productId !== 'calltracking'),
    numbers: Object.fromEntries(Object.entries(prices.numbers).filter(([t]) => t !== 'tollfree')),
  });
  return planId;
}

describe('which days a version may touch', () => {
  it('any day while nobody is on the plan; after today only once somebody is', async () => {
    const planId = await newPlan();
    expect((await publishVersion(ctx(), planId, { effectiveFrom: '2026-01-01', ...pricesAt(110) })).version).toBe(2);
    await projectOn(planId, '2026-03-10');
    await expect(publishVersion(ctx(), planId, { effectiveFrom: '2026-03-10', ...pricesAt(120) })).rejects.toMatchObject({ status: 409, code: 'day_already_started' });
    await expect(publishVersion(ctx(), planId, { effectiveFrom: '2026-01-01', ...pricesAt(120) })).rejects.toMatchObject({ status: 409, code: 'day_already_started' });
    expect((await publishVersion(ctx(), planId, { effectiveFrom: '2026-03-11', ...pricesAt(120) })).version).toBe(3);
    await expect(publishVersion(ctx(), planId, { effectiveFrom: '2026-03-11', ...pricesAt(130) })).rejects.toMatchObject({ status: 409, code: 'version_exists' });
    const listed = (await listPlans(ctx())).plans.find((p) => p.planId === planId)!;
    expect(listed.versions).toEqual([{ version: 1, effectiveFrom: '2000-01-01' }, { version: 2, effectiveFrom: '2026-01-01' }, { version: 3, effectiveFrom: '2026-03-11' }]);
  });

  it('refuses a version that drops a product, renames the plan or changes its currency, writing nothing', async () => {
    const planId = await newPlan();
    const before = await listPlans(ctx());
    const { products, ...rest } = pricesAt(100);
    await expect(publishVersion(ctx(), planId, { effectiveFrom: '2026-04-01', products: products.slice(1), ...rest })).rejects.toMatchObject({ status: 400 });
    await expect(publishVersion(ctx(), planId, { effectiveFrom: '2026-04-01', name: 'Other', ...pricesAt(100) })).rejects.toMatchObject({ status: 400 });
    await expect(publishVersion(ctx(), planId, { effectiveFrom: '2026-04-01', currency: 'EUR', ...pricesAt(100) })).rejects.toMatchObject({ status: 400 });
    await expect(publishVersion(ctx(), 'no-such-plan', { effectiveFrom: '2026-04-01', ...pricesAt(100) })).rejects.toMatchObject({ status: 404 });
    expect(await listPlans(ctx())).toEqual(before);
  });

  it('withdraws a version while its first day is ahead, never after', async () => {
    const planId = await newPlan();
    await projectOn(planId, '2026-03-10');
    const later = await publishVersion(ctx(), planId, { effectiveFrom: '2026-03-20', ...pricesAt(150) });
    await deleteVersion(ctx(), planId, later.version);
    await expect(deleteVersion(ctx(), planId, later.version)).rejects.toMatchObject({ status: 404 });
    await expect(deleteVersion(ctx(), planId, 1)).rejects.toMatchObject({ status: 409, code: 'day_already_started' });
    expect((await listPlans(ctx())).plans.find((p) => p.planId === planId)!.versions).toEqual([{ version: 1, effectiveFrom: '2000-01-01' }]);
  });

  it('a project joining an unused plan while a version for a past day is decided: the version is refused', async () => {
    const planId = await newPlan();
    // Just before the version's transaction, a project goes on the plan (and marks it used).
    let joined = false;
    const doc = faultyDoc(env.doc, (cmd) => {
      if (joined || cmd.name !== 'TransactWriteCommand') return undefined;
      const writesVersion = JSON.stringify(cmd.input).includes(`plan#${planId}`);
      if (!writesVersion) return undefined;
      joined = true;
      return { interleave: () => projectOn(planId, '2026-03-10') };
    });
    await expect(publishVersion(storeContext({ doc }), planId, { effectiveFrom: '2026-02-01', ...pricesAt(200) })).rejects.toMatchObject({ code: 'day_already_started' });
    expect(joined).toBe(true);
    expect((await listPlans(ctx())).plans.find((p) => p.planId === planId)!.versions).toHaveLength(1);
  });
});

describe('a product no longer available', () => {
  it('cannot be switched on, and stays charged where it is on', async () => {
    const planId = await newPlan();
    const id = await projectOn(planId, '2026-03-01');
    await changeProduct(ctx(), id, { productId: 'callback', enabled: true }, { effectiveAt: '2026-03-01T08:00:00Z' });
    const withdrawn = pricesAt(100);
    withdrawn.products = withdrawn.products.map((p) => (p.productId === 'callback' || p.productId === 'calltracking' ? { ...p, available: false } : p));
    await publishVersion(ctx(), planId, { effectiveFrom: '2026-03-11', ...withdrawn });
    env.at('2026-03-11T10:00:00Z');
    await expect(changeProduct(ctx(), id, { productId: 'calltracking', enabled: true }, {})).rejects.toMatchObject({ status: 409, code: 'product_unavailable' });
    await changeProduct(ctx(), id, { productId: 'callback', enabled: true, }, {}); // already on: fine
    env.at('2026-03-12T10:00:00Z');
    await chargeThrough(ctx(), id, '2026-03-11');
    expect((await linesOf(id, '2026-03-11')).map((l) => l.productId).filter(Boolean)).toEqual(['callback']);
    env.at('2026-03-10T10:00:00Z');
  });
});

describe('rating with the prices of each event\'s own day', () => {
  it('rates events either side of midnight and of a version\'s first day with the version in force then', async () => {
    const planId = await newPlan(100);
    const id = await projectOn(planId, '2026-03-01');
    const sms = (eventId: string, occurredAt: string) => ({ eventId, projectId: id, kind: 'sms' as const, destination: '+380501234567', occurredAt, segments: 1 });
    // 23:55 on 03-10 in Kyiv: a first request reads the plan (and keeps its versions for 03-10).
    env.at('2026-03-10T21:55:00Z');
    await acceptUsage(ctx(), [sms(`a-${id}`, '2026-03-10T21:54:00Z')]);
    // Then double prices are published from 03-11: after what was kept was read.
    await publishVersion(ctx(), planId, { effectiveFrom: '2026-03-11', ...pricesAt(200) });
    // Events of 03-10 may still be rated from what was kept; one of 03-11 must not be.
    await acceptUsage(ctx(), [sms(`b-${id}`, '2026-03-10T21:59:59Z'), sms(`c-${id}`, '2026-03-10T22:00:00Z'), sms(`d-${id}`, '2026-03-10T22:05:00Z')]);
    const cost = async (eventId: string) => (await env.doc.send(new GetCommand({ TableName: env.tables.USAGE_TABLE, Key: keys.usage(eventId), ConsistentRead: true }))).Item?.cost;
    // Vodafone SMS: 120 on 03-10, 240 from midnight (22:00 UTC) on.
    expect([await cost(`a-${id}`), await cost(`b-${id}`), await cost(`c-${id}`), await cost(`d-${id}`)]).toEqual([120, 120, 240, 240]);
    env.at('2026-03-10T10:00:00Z');
  });

  it('reads each project once and each plan once for 500 events of 500 projects', async () => {
    // Project items written straight to the table: 500 creations through the use case would only slow the test.
    const planId = await newPlan();
    const made = Array.from({ length: 500 }, (_, i) => `prj_many_${i}`);
    const items = made.map((projectId) => newProjectItem({
      projectId, name: projectId, currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-10', createdAt: '2026-03-10T10:00:00.000Z',
      firstApiKeyId: 'ak_x', attemptId: 'a', plans: [{ from: '2026-03-10', planId, seq: 1 }],
    }));
    for (let i = 0; i < items.length; i += 25) {
      await env.doc.send(new BatchWriteCommand({ RequestItems: { [env.tables.PROJECTS_TABLE]: items.slice(i, i + 25).map((Item) => ({ PutRequest: { Item } })) } }));
    }
    const doc = faultyDoc(env.doc, () => undefined);
    const events = made.map((projectId, i) => ({ eventId: `many-${i}-${projectId}`, projectId, kind: 'sms' as const, destination: '+380501234567', occurredAt: '2026-03-10T09:00:00Z', segments: 1 }));
    const out = await acceptUsage(storeContext({ doc }), events);
    expect(out).toEqual({ accepted: 500, duplicates: 0 });
    const reads = doc.calls.filter((c) => c.name === 'GetCommand');
    const on = (table: string) => reads.filter((c) => c.input.TableName === table).length;
    expect(on(env.tables.PROJECTS_TABLE)).toBe(500);
    // The plan item at most once (a cache hit needs none), the version once, the tariff once.
    expect(on(env.tables.PLANS_TABLE)).toBeLessThanOrEqual(2);
  });
});

describe('moving a project', () => {
  it('prices the days from the move on with the new plan, and never a day before it', async () => {
    const cheap = await newPlan(50);
    const id = await projectOn('standard', '2026-03-08');
    await changeProduct(ctx(), id, { productId: 'callback', enabled: true }, { effectiveAt: '2026-03-08T08:00:00Z' });
    await expect(movePlan(ctx(), id, cheap, '2026-03-10')).rejects.toMatchObject({ status: 409, code: 'day_already_started' });
    expect(await movePlan(ctx(), id, cheap)).toEqual({ planId: cheap, effectiveFrom: '2026-03-11' });
    env.at('2026-03-12T10:00:00Z');
    await chargeThrough(ctx(), id, '2026-03-11');
    const callback = async (day: string) => (await linesOf(id, day)).find((l) => l.productId === 'callback')!.amount;
    // Day 10 of 31 at 299.00 a month, day 11 at 149.50: floor(P*d/31) - floor(P*(d-1)/31).
    expect(await callback('2026-03-10')).toBe(-(Math.floor((29_900 * 10) / 31) - Math.floor((29_900 * 9) / 31)));
    expect(await callback('2026-03-11')).toBe(-(Math.floor((14_950 * 11) / 31) - Math.floor((14_950 * 10) / 31)));
    env.at('2026-03-10T10:00:00Z');
  });

  it('refuses a product or a number that a plan the project already moves to does not price, from before the move', async () => {
    const planId = await narrowPlan();
    const id = await projectOn('standard', '2026-03-08');
    await movePlan(ctx(), id, planId, '2026-03-12');
    // Today (before the move) standard prices both, but they would stay on past the move.
    await expect(changeProduct(ctx(), id, { productId: 'calltracking', enabled: true }, {})).rejects.toMatchObject({ status: 409, code: 'plan_lacks_product' });
    await expect(addNumber(ctx(), id, '+380800500111', 'tollfree', {})).rejects.toMatchObject({ status: 409, code: 'plan_lacks_product' });
    // What the later plan prices is accepted; switching off is always possible.
    await expect(changeProduct(ctx(), id, { productId: 'callback', enabled: true }, {})).resolves.toMatchObject({ change: { kind: 'product' } });
    await expect(changeProduct(ctx(), id, { productId: 'calltracking', enabled: false }, {})).resolves.toMatchObject({ change: { kind: 'product' } });
    await expect(addNumber(ctx(), id, '+380441500111', 'local', {})).resolves.toMatchObject({ change: { kind: 'number' } });
  });
});

describe('no future day left unpriced (issue 19 §2)', () => {

  it('refuses a move to a plan lacking a product or a number already dated after the move (409 plan_lacks_product)', async () => {
    const planId = await narrowPlan();
    const id = await projectOn('standard', '2026-03-08');
    await changeProduct(ctx(), id, { productId: 'calltracking', enabled: true }, { effectiveAt: '2026-03-15T12:00:00+02:00' });
    await expect(movePlan(ctx(), id, planId, '2026-03-12')).rejects.toMatchObject({ status: 409, code: 'plan_lacks_product' });
    const other = await projectOn('standard', '2026-03-08');
    await addNumber(ctx(), other, '+380800500222', 'tollfree', { effectiveAt: '2026-03-20T12:00:00+02:00' });
    await expect(movePlan(ctx(), other, planId, '2026-03-12')).rejects.toMatchObject({ status: 409, code: 'plan_lacks_product' });
    // Switched off again before the move's day: nothing is held on the new plan, the move goes.
    await changeProduct(ctx(), id, { productId: 'calltracking', enabled: false }, { effectiveAt: '2026-03-16T12:00:00+02:00' });
    await expect(movePlan(ctx(), id, planId, '2026-03-17')).resolves.toMatchObject({ planId });
  });

  it('a product dated after a later move back is that plan\'s business, not the narrow one\'s', async () => {
    const planId = await narrowPlan();
    const id = await projectOn('standard', '2026-03-08');
    await movePlan(ctx(), id, 'standard', '2026-03-20');
    await changeProduct(ctx(), id, { productId: 'calltracking', enabled: true }, { effectiveAt: '2026-03-21T12:00:00+02:00' });
    // On the narrow plan from the 12th to the 19th: call tracking is switched on only after.
    await expect(movePlan(ctx(), id, planId, '2026-03-12')).resolves.toMatchObject({ planId });
  });

  it('refuses to withdraw a version whose product or number type a project holds dated into its days (409)', async () => {
    // Version 2 from April adds call tracking and toll-free numbers.
    const planId = await narrowPlan();
    const v2 = await publishVersion(ctx(), planId, { effectiveFrom: '2026-04-01', ...pricesAt(100) });
    const id = await projectOn(planId, '2026-03-08');
    await changeProduct(ctx(), id, { productId: 'calltracking', enabled: true }, { effectiveAt: '2026-04-05T12:00:00+03:00' });
    await expect(deleteVersion(ctx(), planId, v2.version)).rejects.toMatchObject({ status: 409, code: 'plan_lacks_product' });

    const numbersPlan = await narrowPlan();
    const n2 = await publishVersion(ctx(), numbersPlan, { effectiveFrom: '2026-04-01', ...pricesAt(100) });
    const other = await projectOn(numbersPlan, '2026-03-08');
    await addNumber(ctx(), other, '+380441500333', 'local', { effectiveAt: '2026-04-06T12:00:00+03:00' });
    await addNumber(ctx(), other, '+380800500333', 'tollfree', { effectiveAt: '2026-04-07T12:00:00+03:00' });
    await expect(deleteVersion(ctx(), numbersPlan, n2.version)).rejects.toMatchObject({ status: 409, code: 'number_type_unpriced' });

    // A version nobody depends on goes.
    const v3 = await publishVersion(ctx(), planId, { effectiveFrom: '2026-05-01', ...pricesAt(90) });
    await expect(deleteVersion(ctx(), planId, v3.version)).resolves.toBeUndefined();
  });
});
