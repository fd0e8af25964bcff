/**
 * Credit grants in the store (docs/api.md "Credits, corrections and top-ups", shared/domain/credits.ts).
 *
 * - What each active grant has left lives in the project item (`grants`), moved by the same
 *   version-conditioned update that moves the balance: a draw is exactly as once as its charge.
 * - `grant#<grantId>` in the project's partition keeps the grant's terms (the idempotency record of
 *   its grant, put with `attribute_not_exists`) and how it ended (expired, voided); a grant that is no
 *   longer in the project item and did not end so was drawn to 0: `used`.
 * - `draws#<date>` in the project's partition: what each grant paid of the charges counted on that
 *   day, ADDed in the charge's transaction (one attribute per grant, `g:<grantId>`, plus `total`).
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../domain/billing-days';
import { type ActiveGrant, type DrawsByDay, type Grant, type GrantStatus } from '../domain/credits';
import type { Money } from '../domain/money';
import type { StoreContext } from './context';
import { keys } from './keys';
import { readAll } from './pager';
import type { ProjectItem } from './projects';
import { withRetries, type TransactItem } from './transactions';

export interface GrantItem {
  pk: string;
  sk: string;
  projectId: string;
  grantId: string;
  amount: Money;
  effectiveOn: BillingDay;
  expiresOn: BillingDay | null;
  description: string;
  seq: number;
  createdAt: string;
  /** `active` until it expires or is voided (a grant drawn to 0 stays `active` here: see the module comment). */
  status: 'active' | 'expired' | 'voided';
  /** What left the balance when it ended. */
  endedAmount?: Money;
  endedOn?: BillingDay;
  /** The balance right after it was granted (the first answer's). */
  balanceAfter: Money;
  attemptId?: string;
}

/** The prefix of a draws item's per-grant attributes; a grant id never becomes a plain-object key. */
export const DRAW_ATTRIBUTE_PREFIX = 'g:';

export function grantsOf(project: Pick<ProjectItem, 'grants'>): ActiveGrant[] {
  return project.grants ?? [];
}

export function grantRef(ctx: StoreContext, projectId: string, grantId: string): { table: string; key: Record<string, unknown> } {
  return { table: ctx.tables.projects, key: keys.grant(projectId, grantId) };
}

export function grantPut(ctx: StoreContext, item: Omit<GrantItem, 'pk' | 'sk'>): TransactItem {
  return { Put: { TableName: ctx.tables.projects, Item: { ...keys.grant(item.projectId, item.grantId), ...item }, ConditionExpression: 'attribute_not_exists(pk)' } };
}

export async function findGrantItem(ctx: StoreContext, projectId: string, grantId: string): Promise<GrantItem | null> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.grant(projectId, grantId), ConsistentRead: true })));
  return (out.Item as GrantItem | undefined) ?? null;
}

/** Every grant record of the project (strongly consistent). */
export async function readGrantItems(ctx: StoreContext, projectId: string): Promise<GrantItem[]> {
  const items = await readAll(ctx.doc, {
    Query: {
      TableName: ctx.tables.projects,
      KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
      ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':prefix': keys.grantPrefix },
      ConsistentRead: true,
    },
  });
  return items as unknown as GrantItem[];
}

/** The Update that records how an active grant ended, refused if it already ended. */
export function grantEnded(ctx: StoreContext, projectId: string, grantId: string, status: 'expired' | 'voided', amount: Money, on: BillingDay): TransactItem {
  return {
    Update: {
      TableName: ctx.tables.projects,
      Key: keys.grant(projectId, grantId),
      UpdateExpression: 'SET #status = :status, endedAmount = :amount, endedOn = :on',
      ConditionExpression: 'attribute_exists(pk) AND #status = :active',
      ExpressionAttributeNames: { '#status': 'status' },
      ExpressionAttributeValues: { ':status': status, ':amount': amount, ':on': on, ':active': 'active' },
    },
  };
}

/** The Grant as the API shows it, from its record and the project's active grants. */
export function toGrant(item: GrantItem, active: ReadonlyMap<string, ActiveGrant>): Grant {
  const live = active.get(item.grantId);
  const status: GrantStatus = live ? 'active' : item.status === 'active' ? 'used' : item.status;
  return {
    grantId: item.grantId,
    amount: item.amount,
    remaining: live ? live.remaining : 0,
    effectiveOn: item.effectiveOn,
    expiresOn: item.expiresOn ?? null,
    description: item.description,
    status,
  };
}

/** The Updates that ADD a charge's draws to each day's draws item (one per day with draws). */
export function drawsAdds(ctx: StoreContext, projectId: string, draws: DrawsByDay): TransactItem[] {
  const out: TransactItem[] = [];
  for (const [day, byGrant] of draws) {
    if (byGrant.size === 0) continue;
    const names: Record<string, string> = { '#total': 'total' };
    const values: Record<string, unknown> = {};
    const parts = ['#total :total'];
    let total = 0;
    let i = 0;
    for (const [grantId, amount] of byGrant) {
      names[`#g${i}`] = `${DRAW_ATTRIBUTE_PREFIX}${grantId}`;
      values[`:g${i}`] = amount;
      parts.push(`#g${i} :g${i}`);
      total += amount;
      i++;
    }
    values[':total'] = total;
    out.push({
      Update: {
        TableName: ctx.tables.projects,
        Key: keys.draws(projectId, day),
        UpdateExpression: `ADD ${parts.join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
  }
  return out;
}

/** The SET clause and value that store the project's active grants (for a version-conditioned update). */
export function grantsSet(grants: readonly ActiveGrant[]): { set: string[]; values: Record<string, unknown> } {
  return { set: ['grants = :grants'], values: { ':grants': grants } };
}
