/**
 * Credit grants (docs/api.md "Credit grant"): POST grants one, exactly once by `grantId`; GET lists
 * them newest first. One transaction: the grant's record `grant#<grantId>` (attribute_not_exists: the
 * idempotency record), the ledger entry `credit#<grantId>` (type credit_granted, dated effectiveOn),
 * the balance move together with the grant joining the project's active grants, `credit.granted` and
 * the alerts it crosses. The money moves now; the grant pays only for charges of its days.
 */
import { ValidationFailed, Conflict } from '../domain/errors';
import { MAX_ACTIVE_GRANTS, type ActiveGrant, type Grant, type GrantInput } from '../domain/credits';
import { draft } from '../domain/events';
import { entryIds, type LedgerEntry } from '../domain/ledger';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { findGrantItem, grantPut, grantRef, grantsOf, readGrantItems, toGrant, type GrantItem } from '../store/credits';
import { ledgerPut } from '../store/ledger';
import { getProjectItem } from '../store/projects';
import { correctionDay, moveBalance } from './money-move';

export type GrantOutcome = { status: 201 | 200; body: Grant };

function firstAnswer(item: GrantItem): Grant {
  return { grantId: item.grantId, amount: item.amount, remaining: item.amount, effectiveOn: item.effectiveOn, expiresOn: item.expiresOn ?? null, description: item.description, status: 'active' };
}

function replay(seen: GrantItem, input: GrantInput): GrantOutcome {
  const same = seen.amount === input.amount && seen.description === input.description
    && (input.effectiveOn === undefined || input.effectiveOn === seen.effectiveOn)
    && (input.expiresOn ?? null) === (seen.expiresOn ?? null);
  if (!same) throw new Conflict('idempotency_conflict', `grant ${input.grantId} was already made with other terms`);
  return { status: 200, body: firstAnswer(seen) };
}

export async function grantCredit(ctx: StoreContext, projectId: string, input: GrantInput): Promise<GrantOutcome> {
  return optimisticCommit<GrantOutcome>(ctx.doc, `grant ${input.grantId}`, async ({ attemptId }) => {
    const project = await getProjectItem(ctx, projectId);
    const seen = await findGrantItem(ctx, projectId, input.grantId);
    if (seen) return { done: replay(seen, input) };
    const effectiveOn = correctionDay(project, input.effectiveOn, todayOf(ctx));
    const expiresOn = input.expiresOn ?? null;
    if (expiresOn !== null && expiresOn < effectiveOn) throw new ValidationFailed(`expiresOn (${expiresOn}) is before effectiveOn (${effectiveOn})`);
    // Only before a project's billing starts can a last day be at or before chargedThrough (an open
    // effectiveOn is after it otherwise): such a grant could pay for no day, and would stay active,
    // counted in creditBalance, until a first night expired it.
    if (expiresOn !== null && expiresOn <= project.chargedThrough) {
      throw new Conflict('day_already_charged', `expiresOn (${expiresOn}) is before the project's first billing day (${project.billingStartDate}): the grant could pay for nothing`);
    }
    const grants = grantsOf(project);
    if (grants.length >= MAX_ACTIVE_GRANTS) throw new Conflict('too_many_grants', `a project has at most ${MAX_ACTIVE_GRANTS} active grants`);
    const seq = (project.grantSeq ?? 0) + 1;
    const grant: ActiveGrant = { grantId: input.grantId, amount: input.amount, remaining: input.amount, effectiveOn, expiresOn, description: input.description, seq };
    const createdAt = nowIso(ctx);
    const entry: LedgerEntry = { entryId: entryIds.creditGranted(input.grantId), date: effectiveOn, type: 'credit_granted', description: input.description, amount: input.amount, balanceEffect: true };
    const move = moveBalance(ctx, project, input.amount, (after) => [
      draft('credit.granted', { grantId: input.grantId, amount: input.amount, expiresOn, balance: after.balance }, `credit#${input.grantId}`),
    ], createdAt, { grants: [...grants, grant], grantSeq: seq, booked: { entries: [entry] } });
    const item: Omit<GrantItem, 'pk' | 'sk'> = {
      projectId, grantId: input.grantId, amount: input.amount, effectiveOn, expiresOn, description: input.description, seq, createdAt, status: 'active', balanceAfter: move.after.balance, attemptId,
    };
    return {
      items: [grantPut(ctx, item), ledgerPut(ctx, projectId, entry, createdAt), move.update, ...move.sums, ...move.events.puts],
      receipt: grantRef(ctx, projectId, input.grantId),
      result: { status: 201 as const, body: firstAnswer({ ...item, pk: '', sk: '' }) },
    };
  });
}

/** Every grant of the project, newest first. */
export async function listGrants(ctx: StoreContext, projectId: string): Promise<Grant[]> {
  await getProjectItem(ctx, projectId, false);
  const items = await readGrantItems(ctx, projectId);
  // Read after the records: a grant missing from the project's active ones either ended (its record
  // says how, read again below) or was drawn to 0.
  const project = await getProjectItem(ctx, projectId);
  const active = new Map(grantsOf(project).map((g) => [g.grantId, g]));
  const out: Grant[] = [];
  for (const item of items) {
    const fresh = !active.has(item.grantId) && item.status === 'active' ? (await findGrantItem(ctx, projectId, item.grantId)) ?? item : item;
    out.push(toGrant(fresh, active));
  }
  const seqOf = new Map(items.map((i) => [i.grantId, i.seq]));
  return out.sort((a, b) => (seqOf.get(b.grantId) ?? 0) - (seqOf.get(a.grantId) ?? 0));
}
