/**
 * The stream debit with credit grants (issue 18): the same 10,000 usage events of one busy project
 * debited by the real debit (`debitProject`, what the stream handler calls per project and batch, in
 * batches of DEBIT_BATCH_SIZE) on a project with 3 active credit grants (two expiring on different
 * days, one open-ended, each large enough to pay throughout, so every event draws) and on one with
 * none. With grants a chunk also rewrites the grants in the project item and ADDs its day's draws
 * item: one more item per transaction of up to 100.
 *
 * The two paths run interleaved in rounds after an untimed warm-up, so load drift on the shared
 * machine hits both alike. `r` is the time with grants over the time without (target r <= 1.25).
 * Both projects are checked afterwards: balances exact, and with grants Σ drawn = Σ costs (read back
 * with readCreditsDrawn) and creditBalance = granted − drawn. `npx tsx bench/debit-credits.ts` prints
 * the line alone.
 */
import './quiet';
import { DEBIT_BATCH_SIZE } from '../shared/workers';
import { billingDayOf, addDays } from '../shared/domain/billing-days';
import { creditBalanceOf } from '../shared/domain/credits';
import { DEFAULT_PLAN } from '../shared/domain/default-plan';
import { raterFor } from '../shared/domain/rating';
import type { RatedUsageEvent } from '../shared/domain/usage';
import { debitProject } from '../shared/billing/debit-usage';
import { grantCredit } from '../shared/billing/grant-credit';
import { recordPayment } from '../shared/billing/payments';
import { createProject } from '../shared/billing/projects';
import type { StoreContext } from '../shared/store/context';
import { readCreditsDrawn } from '../shared/store/credit-draws';
import { getProjectItem } from '../shared/store/projects';
import { usageItemOf, type UsageItem } from '../shared/store/usage';
import { note, putAll, runAlone, timeMs, whole, withDynamo } from './harness';

const EVENTS = 10_000;
const WARM = 1_000;
const ROUNDS = 5;
const NOW = Date.parse('2026-03-10T10:00:00Z');
const PAID = 1_000_000_000;
const GRANT = 200_000_000;

function events(projectId: string, count: number): RatedUsageEvent[] {
  const rater = raterFor(DEFAULT_PLAN.tariff);
  return Array.from({ length: count }, (_, i) => {
    const base = { eventId: `${projectId}-ev-${i}`, projectId, destination: `+38044${String(1_000_000 + ((i * 7919) % 9_000_000)).padStart(7, '0')}`, occurredAt: new Date(NOW - 3_600_000 + (i % 3_600) * 1_000).toISOString() };
    const e = i % 5 === 0 ? { ...base, kind: 'sms' as const, segments: 1 + (i % 3) } : { ...base, kind: 'outgoing_call' as const, durationSec: (i * 37) % 600 };
    return { ...e, cost: rater.rate(e) };
  });
}

async function project(ctx: StoreContext, name: string, grants: number): Promise<string> {
  const today = billingDayOf(NOW, ctx.zone);
  const { project: p } = await createProject(ctx, { name, currency: 'UAH', creditLimit: 0, billingStartDate: today });
  await recordPayment(ctx, p.projectId, `pay-${name}`, PAID);
  const expiries = [addDays(today, 20), addDays(today, 40), undefined];
  for (let i = 0; i < grants; i++) {
    await grantCredit(ctx, p.projectId, { grantId: `${name}-g${i}`, amount: GRANT, description: `bench grant ${i}`, ...(expiries[i] ? { expiresOn: expiries[i] } : {}) });
  }
  return p.projectId;
}

async function debitInBatches(ctx: StoreContext, projectId: string, items: readonly UsageItem[]): Promise<void> {
  for (let i = 0; i < items.length; i += DEBIT_BATCH_SIZE) {
    const out = await debitProject(ctx, projectId, items.slice(i, i + DEBIT_BATCH_SIZE));
    if (out.debited !== Math.min(DEBIT_BATCH_SIZE, items.length - i)) throw new Error(`${projectId}: a batch debited ${out.debited}`);
  }
}

/** Returns `bench debit-credits: <n> events/s with 3 active credit grants; <r>x vs none`. */
export async function benchDebitCredits(): Promise<string> {
  return withDynamo(() => NOW, async (d) => {
    const ctx = d.ctx(() => NOW);
    const ids = { none: await project(ctx, 'none', 0), credits: await project(ctx, 'credits', 3), warmNone: await project(ctx, 'warm-none', 0), warmCredits: await project(ctx, 'warm-credits', 3) };
    const receivedAt = new Date(NOW).toISOString();
    const sent = { none: events(ids.none, EVENTS), credits: events(ids.credits, EVENTS) };
    const items = (es: readonly RatedUsageEvent[]) => es.map((e) => usageItemOf(ctx.zone, e, receivedAt));
    const all = [...sent.none, ...sent.credits, ...events(ids.warmNone, WARM), ...events(ids.warmCredits, WARM)];
    await putAll(d.doc, d.tables.USAGE_TABLE, items(all) as unknown as Record<string, unknown>[]);
    await debitInBatches(ctx, ids.warmNone, items(events(ids.warmNone, WARM)));
    await debitInBatches(ctx, ids.warmCredits, items(events(ids.warmCredits, WARM)));

    const per = EVENTS / ROUNDS;
    const ms = { none: 0, credits: 0 };
    for (let r = 0; r < ROUNDS; r++) {
      // Alternate which goes first, so neither always runs on a warmer emulator.
      const order = r % 2 === 0 ? (['none', 'credits'] as const) : (['credits', 'none'] as const);
      for (const k of order) ms[k] += await timeMs(() => debitInBatches(ctx, ids[k], items(sent[k].slice(r * per, (r + 1) * per))));
    }

    const cost = (es: readonly RatedUsageEvent[]) => es.reduce((s, e) => s + e.cost, 0);
    const none = await getProjectItem(ctx, ids.none);
    if (none.balance !== PAID - cost(sent.none)) throw new Error(`none: balance ${none.balance}, expected ${PAID - cost(sent.none)}`);
    const credits = await getProjectItem(ctx, ids.credits);
    if (credits.balance !== PAID + 3 * GRANT - cost(sent.credits)) throw new Error(`credits: balance ${credits.balance}`);
    const drawn = await readCreditsDrawn(ctx, ids.credits, '2000-01-01', '2999-12-31');
    if (drawn.total !== cost(sent.credits) || creditBalanceOf(credits.grants) !== 3 * GRANT - drawn.total) {
      throw new Error(`credits: drawn ${drawn.total} of ${cost(sent.credits)}, creditBalance ${creditBalanceOf(credits.grants)}`);
    }
    const rate = (elapsed: number) => (EVENTS * 1000) / elapsed;
    note(`debit-credits: ${EVENTS} events each, batches of ${DEBIT_BATCH_SIZE}: none ${(ms.none / 1000).toFixed(1)} s, 3 grants ${(ms.credits / 1000).toFixed(1)} s; drawn ${[...drawn.byGrant].map(([g, a]) => `${g} ${a}`).join(', ')}`);
    return `bench debit-credits: ${whole(rate(ms.credits))} events/s with 3 active credit grants; ${(ms.credits / ms.none).toFixed(2)}x vs none`;
  });
}

runAlone(module, benchDebitCredits);
