/**
 * DELETE /projects/{id}/credits/{grantId} (docs/api.md "Credit grant"): voiding. What remains of the
 * grant leaves the balance at once, in one transaction: the grant leaves the project's active grants,
 * its record says `voided` (conditioned on it being active: the idempotency of the void), the ledger
 * entry `credit_voided#<grantId>` dated today, `credit.voided` and the alerts it crosses. Voiding a
 * voided grant again answers the grant; a used or expired one is a 409.
 */
import { Conflict, NotFound } from '../domain/errors';
import type { Grant } from '../domain/credits';
import { draft } from '../domain/events';
import { entryIds, type LedgerEntry } from '../domain/ledger';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { findGrantItem, grantEnded, grantsOf, toGrant } from '../store/credits';
import { ledgerPut, ledgerRef } from '../store/ledger';
import { getProjectItem } from '../store/projects';
import { Id } from '../domain/values';
import { moveBalance } from './money-move';

export async function voidCredit(ctx: StoreContext, projectId: string, grantId: string): Promise<Grant> {
  // A name no grant can have (the path is the caller's) is no key to look up.
  if (!Id.safeParse(grantId).success) throw new NotFound(`credit grant ${grantId.slice(0, 140)}`);
  return optimisticCommit<Grant>(ctx.doc, `void of grant ${grantId}`, async ({ attemptId }) => {
    const project = await getProjectItem(ctx, projectId);
    const item = await findGrantItem(ctx, projectId, grantId);
    if (!item) throw new NotFound(`credit grant ${grantId}`);
    const grants = grantsOf(project);
    const live = grants.find((g) => g.grantId === grantId);
    if (!live) {
      if (item.status === 'voided') return { done: toGrant(item, new Map()) };
      const shown = toGrant(item, new Map());
      throw new Conflict('grant_not_active', `grant ${grantId} is ${shown.status}: nothing remains to void`);
    }
    const today = todayOf(ctx);
    const createdAt = nowIso(ctx);
    const amount = -live.remaining;
    const entry: LedgerEntry = { entryId: entryIds.creditVoided(grantId), date: today, type: 'credit_voided', description: `Credit ${grantId} voided`, amount, balanceEffect: true };
    const move = moveBalance(ctx, project, amount, (after) => [
      draft('credit.voided', { grantId, amount, balance: after.balance }, `credit_voided#${grantId}`),
    ], createdAt, { grants: grants.filter((g) => g.grantId !== grantId), booked: { entries: [entry] } });
    return {
      items: [grantEnded(ctx, projectId, grantId, 'voided', amount, today), ledgerPut(ctx, projectId, entry, createdAt, attemptId), move.update, ...move.sums, ...move.events.puts],
      receipt: ledgerRef(ctx, projectId, entry),
      result: { ...toGrant(item, new Map()), status: 'voided' as const, remaining: 0 },
    };
  });
}
