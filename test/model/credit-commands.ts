/**
 * The model test's commands for money an operator corrects (docs/api.md "Credits, corrections and
 * top-ups"): adjustments (new, repeated, conflicting, into a closed day), refunds of usage events
 * (debited or not, free or not, again), credit grants with and without expiry, and voids, under the
 * step's faults like every other command. What a grant has left depends on the order its charges were
 * drawn in, so expiries and voids are adopted from the ledger (adoptEndedGrants, VoidGrant) and
 * checked against the grant; the full check holds creditBalance to Σ granted − expired − voided −
 * drawn, and every draw to its grant's days (checks.ts creditProblems).
 */
import { isDeepStrictEqual } from 'node:util';
import * as fc from 'fast-check';
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createAdjustment } from '../../functions/api/create-adjustment';
import { handler as createCredit } from '../../functions/api/create-credit';
import { handler as createPayment } from '../../functions/api/create-payment';
import { handler as failTopup } from '../../functions/api/fail-topup';
import { handler as putAutoTopup } from '../../functions/api/put-auto-topup';
import { handler as refundUsage } from '../../functions/api/refund-usage';
import { handler as voidCredit } from '../../functions/api/void-credit';
import { addDays } from '../../shared/domain/billing-days';
import { toLedgerEntry } from '../../shared/store/ledger';
import { keys } from '../../shared/store/keys';
import type { ProjectItem } from '../../shared/store/projects';
import { expectThat } from './checks';
import type { Scale } from './commands';
import type { StepFaults } from './faults';
import type { Model, ProjectModel } from './model';
import { applyInterleaved, codeIs, faultsArb, hasProject, statusIn, Step, tick } from './step';
import type { World } from './world';

/** What the credit commands did over the runs of this process (printed with the model test's line). */
export const creditTally = { adjustments: 0, refunds: 0, grants: 0, voids: 0, expired: 0, used: 0, refused: 0, topupRules: 0, topupsPaid: 0, topupsFailed: 0, topupsNone: 0 };

export function creditSummary(): string {
  const t = creditTally;
  return `${t.adjustments} adjustments, ${t.refunds} refunds, ${t.grants} grants (${t.expired} expired, ${t.used} used up, ${t.voids} voided), ${t.refused} refused as they should be, `
    + `${t.topupRules} top-up rules put, ${t.topupsPaid} top-ups paid, ${t.topupsFailed} failed (${t.topupsNone} times none was outstanding)`;
}

async function projectItem(w: World, projectId: string): Promise<ProjectItem> {
  const out = await w.raw.send(new GetCommand({ TableName: w.tables.PROJECTS_TABLE, Key: keys.project(projectId), ConsistentRead: true }));
  return out.Item as ProjectItem;
}

async function ledgerEntry(w: World, projectId: string, date: string, entryId: string) {
  const out = await w.raw.send(new GetCommand({ TableName: w.tables.LEDGER_TABLE, Key: keys.ledger(projectId, date, entryId), ConsistentRead: true }));
  return out.Item ? toLedgerEntry(out.Item) : null;
}

// --- adjustments

export type AdjustMode = 'new' | 'repeat' | 'conflict';

export class Adjust extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly amount: number, readonly dayOffset: number, readonly mode: AdjustMode, readonly pick: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    return `adjust(${this.mode}, project #${this.projectIdx}, ${this.amount}, day ${this.dayOffset >= 0 ? '+' : ''}${this.dayOffset}, pick ${this.pick})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const route = 'POST /projects/{projectId}/adjustments';
    const p = m.project(this.projectIdx);
    const seen = p.adjustments.length > 0 ? p.adjustments[this.pick % p.adjustments.length]! : undefined;
    if (seen && this.mode !== 'new') {
      const body = { adjustmentId: seen.adjustmentId, amount: this.mode === 'repeat' ? seen.amount : seen.amount + 1, description: seen.description };
      const r = await w.http(createAdjustment, route, { params: { projectId: p.projectId }, body });
      if (this.mode === 'repeat') {
        statusIn(r, [200], `${route} (repeat)`);
        expectThat(isDeepStrictEqual(r.answer.body, { ...body, balance: seen.balanceAfter }), () => `${route} (repeat) answered ${JSON.stringify(r.answer.body)}, first balance ${seen.balanceAfter}`);
      } else {
        statusIn(r, [409], `${route} (same id, another amount)`);
        codeIs(r, 'idempotency_conflict', route);
      }
      return;
    }
    const adjustmentId = `adj-${p.idx}-${p.adjustments.length}-${w.steps}`;
    const date = addDays(w.today, this.dayOffset);
    const description = this.amount > 0 ? `Goodwill ${adjustmentId}` : `Manual charge ${adjustmentId}`;
    const r = await w.http(createAdjustment, route, { params: { projectId: p.projectId }, body: { adjustmentId, amount: this.amount, description, date } });
    if (m.isCharged(p, date)) {
      statusIn(r, [409], `${route} into a closed day`);
      codeIs(r, 'day_already_charged', route);
      creditTally.refused++;
      return;
    }
    applyInterleaved(m, w);
    const balance = m.balance(p) + this.amount;
    statusIn(r, r.ambiguous ? [201, 200] : [201], route);
    expectThat(isDeepStrictEqual(r.answer.body, { adjustmentId, amount: this.amount, description, balance }), () => `${route} answered ${JSON.stringify(r.answer.body)}, model balance ${balance}`);
    p.adjustments.push({ adjustmentId, amount: this.amount, description, date, balanceAfter: balance });
    creditTally.adjustments++;
    m.addCorrection(p, { entryId: `adjustment#${adjustmentId}`, date, type: 'adjustment', description, amount: this.amount, balanceEffect: true }, `adjustment.made ${adjustmentId} ${this.amount}`);
  }
}

// --- refunds

export class Refund extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly pick: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return m.eventOrder.length > 0;
  }

  protected describe(): string {
    return `refund(event pick ${this.pick})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const route = 'POST /projects/{projectId}/usage/{eventId}/refund';
    const e = m.events.get(m.eventOrder[this.pick % m.eventOrder.length]!)!;
    const p = m.projects[e.projectIdx]!;
    const eventId = e.event.eventId;
    const r = await w.http(refundUsage, route, { params: { projectId: p.projectId, eventId }, body: {} });
    const first = p.refunds.get(eventId);
    if (first !== undefined) {
      statusIn(r, [200], `${route} (again)`);
      expectThat(isDeepStrictEqual(r.answer.body, { eventId, amount: e.cost, balance: first }), () => `${route} (again) answered ${JSON.stringify(r.answer.body)}`);
      return;
    }
    if (e.cost === 0) { statusIn(r, [409], `${route} of a free event`); codeIs(r, 'nothing_to_refund', route); creditTally.refused++; return; }
    if (!e.debited) { statusIn(r, [409], `${route} of an event not debited yet`); codeIs(r, 'not_debited', route); creditTally.refused++; return; }
    applyInterleaved(m, w);
    const balance = m.balance(p) + e.cost;
    statusIn(r, r.ambiguous ? [201, 200] : [201], route);
    expectThat(isDeepStrictEqual(r.answer.body, { eventId, amount: e.cost, balance }), () => `${route} answered ${JSON.stringify(r.answer.body)}, model balance ${balance}`);
    p.refunds.set(eventId, balance);
    creditTally.refunds++;
    m.addCorrection(p, { entryId: `refund#${eventId}`, date: w.today, type: 'usage_refund', description: `Refund of ${e.event.kind} ${eventId}`, amount: e.cost, balanceEffect: true }, `usage.refunded ${eventId} ${e.cost}`);
  }
}

// --- credit grants

export class Grant extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly amount: number, readonly effectiveIn: number, readonly days: number | null, readonly repeat: boolean) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    return `grant(project #${this.projectIdx}, ${this.amount}, from +${this.effectiveIn}d, ${this.days === null ? 'open-ended' : `${this.days + 1} days`}${this.repeat ? ', sent twice' : ''})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const route = 'POST /projects/{projectId}/credits';
    const p = m.project(this.projectIdx);
    const grantId = `grant-${p.idx}-${p.grants.length}-${w.steps}`;
    const effectiveOn = addDays(w.today, this.effectiveIn);
    const expiresOn = this.days === null ? null : addDays(effectiveOn, this.days);
    const description = `Credit ${grantId}`;
    const body = { grantId, amount: this.amount, effectiveOn, ...(expiresOn ? { expiresOn } : {}), description };
    const send = () => w.http(createCredit, route, { params: { projectId: p.projectId }, body });
    const r = await send();
    if (expiresOn !== null && expiresOn <= p.chargedThrough) {
      // Possible only before billing starts: a grant for no billing day.
      statusIn(r, [409], `${route} ending before billing starts`);
      codeIs(r, 'day_already_charged', route);
      creditTally.refused++;
      return;
    }
    const active = p.grants.filter((g) => g.ended === null).length;
    if (active >= 50) { statusIn(r, [409, 201, 200], route); return; } // the model cannot tell used grants apart: never reached in a run
    statusIn(r, r.ambiguous ? [201, 200] : [201], route);
    const grant = { grantId, amount: this.amount, remaining: this.amount, effectiveOn, expiresOn, description, status: 'active' };
    expectThat(isDeepStrictEqual(r.answer.body, grant), () => `${route} answered ${JSON.stringify(r.answer.body)}`);
    applyInterleaved(m, w);
    p.grants.push({ grantId, amount: this.amount, effectiveOn, expiresOn, description, ended: null });
    creditTally.grants++;
    m.addCorrection(p, { entryId: `credit#${grantId}`, date: effectiveOn, type: 'credit_granted', description, amount: this.amount, balanceEffect: true }, `credit.granted ${grantId} ${this.amount} until ${expiresOn ?? '-'}`);
    if (this.repeat) {
      const again = await send();
      statusIn(again, [200], `${route} (again)`);
      expectThat(isDeepStrictEqual(again.answer.body, grant), () => `${route} (again) answered ${JSON.stringify(again.answer.body)}`);
    }
  }
}

export class VoidGrant extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly pick: number) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return m.projects.some((p) => p.grants.length > 0);
  }

  protected describe(): string {
    return `voidGrant(project #${this.projectIdx}, pick ${this.pick})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const route = 'DELETE /projects/{projectId}/credits/{grantId}';
    const withGrants = m.projects.filter((x) => x.grants.length > 0);
    const p = withGrants[this.projectIdx % withGrants.length]!;
    const g = p.grants[this.pick % p.grants.length]!;
    const live = (await projectItem(w, p.projectId)).grants?.find((x) => x.grantId === g.grantId);
    const r = await w.http(voidCredit, route, { params: { projectId: p.projectId, grantId: g.grantId } });
    if (g.ended === 'voided') { statusIn(r, [200], `${route} (again)`); return; }
    if (!live) {
      statusIn(r, [409], `${route} of a grant used or expired`);
      codeIs(r, 'grant_not_active', route);
      creditTally.refused++;
      return;
    }
    statusIn(r, [200], route);
    expectThat(r.answer.body.status === 'voided' && r.answer.body.remaining === 0, () => `${route} answered ${JSON.stringify(r.answer.body)}`);
    const entry = await ledgerEntry(w, p.projectId, w.today, `credit_voided#${g.grantId}`);
    expectThat(entry !== null && entry.amount === -live.remaining && entry.type === 'credit_voided', () => `${route}: the void's entry is ${JSON.stringify(entry)}, ${live.remaining} remained`);
    applyInterleaved(m, w);
    g.ended = 'voided';
    creditTally.voids++;
    m.addCorrection(p, entry!, `credit.voided ${g.grantId} ${entry!.amount}`);
  }
}

/**
 * After a night: each grant whose last day is now closed either left with its `credit_expired` entry
 * (dated expiresOn, minus what remained: at most its amount), adopted here, or was used up before.
 */
export async function adoptEndedGrants(m: Model, w: World, p: ProjectModel): Promise<void> {
  const item = await projectItem(w, p.projectId);
  for (const g of p.grants) {
    if (g.ended !== null || g.expiresOn === null || g.expiresOn > p.chargedThrough) continue;
    expectThat(!(item.grants ?? []).some((x) => x.grantId === g.grantId), () => `project ${p.idx}: grant ${g.grantId} still active after its last day ${g.expiresOn} was closed`);
    const entry = await ledgerEntry(w, p.projectId, g.expiresOn, `credit_expired#${g.grantId}`);
    if (!entry) { g.ended = 'used'; creditTally.used++; continue; }
    expectThat(entry.type === 'credit_expired' && entry.amount < 0 && entry.amount >= -g.amount, () => `project ${p.idx}: grant ${g.grantId} of ${g.amount} expired with ${JSON.stringify(entry)}`);
    g.ended = 'expired';
    creditTally.expired++;
    m.addCorrection(p, entry, `credit.expired ${g.grantId} ${entry.amount}`);
  }
}

// --- auto top-up

/** PUT /projects/{id}/auto-topup: `below` this far under the balance (negative: above it), or the rule removed. */
export class PutTopupRule extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly rule: { belowBy: number; amount: number; months: number } | null) {
    super(faults, tickSec);
  }

  override get movesMoney(): boolean {
    return false;
  }

  check(m: Readonly<Model>): boolean {
    return hasProject(m);
  }

  protected describe(): string {
    const r = this.rule;
    return `putTopupRule(project #${this.projectIdx}, ${r ? `below balance - ${r.belowBy}, amount ${r.amount}, monthlyLimit ${r.months}x` : 'none'})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const route = 'PUT /projects/{projectId}/auto-topup';
    const p = m.project(this.projectIdx);
    const r = this.rule;
    const body = r ? { below: Math.max(0, m.balance(p) - r.belowBy), amount: r.amount, monthlyLimit: r.amount * r.months } : null;
    const res = await w.http(putAutoTopup, route, { params: { projectId: p.projectId }, body });
    statusIn(res, [200], route);
    if (body) {
      expectThat(res.answer.body?.below === body.below && res.answer.body?.status === 'active', () => `${route} answered ${JSON.stringify(res.answer.body)}`);
      p.topupLimits.push(body.monthlyLimit);
    } else {
      expectThat(res.answer.body === null, () => `${route} (null) answered ${JSON.stringify(res.answer.body)}`);
    }
    creditTally.topupRules++;
  }
}

/** The payment service: pays the outstanding top-up (a payment whose paymentId is the topupId) or reports it failed. */
export class SettleTopup extends Step {
  constructor(faults: StepFaults, tickSec: number, readonly projectIdx: number, readonly pay: boolean) {
    super(faults, tickSec);
  }

  check(m: Readonly<Model>): boolean {
    return m.projects.some((p) => p.topupLimits.length > 0);
  }

  protected describe(): string {
    return `settleTopup(project #${this.projectIdx}, ${this.pay ? 'paid' : 'failed'})`;
  }

  protected async act(m: Model, w: World): Promise<void> {
    const withRules = m.projects.filter((x) => x.topupLimits.length > 0);
    const p = withRules[this.projectIdx % withRules.length]!;
    const outstanding = (await projectItem(w, p.projectId)).autoTopup?.outstanding;
    if (!outstanding) { creditTally.topupsNone++; return; }
    if (this.pay) {
      const route = 'POST /projects/{projectId}/payments';
      const r = await w.http(createPayment, route, { params: { projectId: p.projectId }, body: { paymentId: outstanding.topupId, amount: outstanding.amount } });
      applyInterleaved(m, w);
      const balance = m.balance(p) + outstanding.amount;
      statusIn(r, r.ambiguous ? [201, 200] : [201], `${route} (a top-up)`);
      expectThat(isDeepStrictEqual(r.answer.body, { paymentId: outstanding.topupId, amount: outstanding.amount, balance }), () => `${route} (a top-up) answered ${JSON.stringify(r.answer.body)}, model balance ${balance}`);
      m.addPayment(p, { paymentId: outstanding.topupId, projectIdx: p.idx, amount: outstanding.amount, balanceAfter: balance, date: w.today });
      creditTally.topupsPaid++;
    } else {
      const route = 'POST /projects/{projectId}/topups/{topupId}/failed';
      const r = await w.http(failTopup, route, { params: { projectId: p.projectId, topupId: outstanding.topupId }, body: { reason: 'card declined' } });
      statusIn(r, [200], route);
      creditTally.topupsFailed++;
    }
  }
}

export function creditCommandArbs(scale: Scale): { arbitrary: fc.Arbitrary<fc.AsyncCommand<Model, World>>; weight: number }[] {
  const f = faultsArb(scale);
  return [
    {
      arbitrary: fc.tuple(f, tick, fc.nat(), fc.oneof(fc.integer({ min: -20_000, max: -1 }), fc.integer({ min: 1, max: 20_000 })), fc.constantFrom(-1, 0, 0, 0, 1), fc.constantFrom<AdjustMode>('new', 'new', 'new', 'repeat', 'conflict'), fc.nat())
        .map(([faults, t, p, amount, day, mode, pick]) => new Adjust(faults, t, p, amount, day, mode, pick)),
      weight: 1,
    },
    { arbitrary: fc.tuple(f, tick, fc.nat()).map(([faults, t, pick]) => new Refund(faults, t, pick)), weight: 1 },
    {
      arbitrary: fc.tuple(f, tick, fc.nat(), fc.integer({ min: 100, max: 30_000 }), fc.constantFrom(0, 0, 1), fc.option(fc.integer({ min: 0, max: 3 }), { freq: 3 }), fc.boolean())
        .map(([faults, t, p, amount, from, days, repeat]) => new Grant(faults, t, p, amount, from, days, repeat)),
      weight: 2,
    },
    { arbitrary: fc.tuple(f, tick, fc.nat(), fc.nat()).map(([faults, t, p, pick]) => new VoidGrant(faults, t, p, pick)), weight: 1 },
    {
      // Mostly just under the balance, so the next debit or night crosses it.
      arbitrary: fc.tuple(f, tick, fc.nat(), fc.option(fc.record({ belowBy: fc.oneof({ arbitrary: fc.integer({ min: 1, max: 2_000 }), weight: 4 }, { arbitrary: fc.integer({ min: -5_000, max: 20_000 }), weight: 1 }), amount: fc.integer({ min: 500, max: 20_000 }), months: fc.integer({ min: 1, max: 4 }) }), { freq: 6 }))
        .map(([faults, t, p, rule]) => new PutTopupRule(faults, t, p, rule)),
      weight: 2,
    },
    { arbitrary: fc.tuple(f, tick, fc.nat(), fc.boolean()).map(([faults, t, p, pay]) => new SettleTopup(faults, t, p, pay)), weight: 2 },
  ];
}
