/**
 * Number holdings (Projects table, `number#<E164>` / `number`): per number, the periods projects hold
 * it (shared/domain/number-holding.ts) and a `version`. Every timeline change of a number rewrites
 * the item in the transaction that appends the change, conditioned on the version it read, so two
 * projects taking the same number at once cannot both commit: the second reads the first's period.
 */
import { GetCommand } from '@aws-sdk/lib-dynamodb';
import { HoldingPeriod } from '../domain/number-holding';
import type { StoreContext } from './context';
import { keys } from './keys';
import { withRetries, type TransactItem } from './transactions';

export interface NumberHolding {
  number: string;
  periods: HoldingPeriod[];
  /** null: no item yet (the number was never held since holdings were kept). */
  version: number | null;
}

/** The number's holding as stored, strongly consistent (what a change is decided on). */
export async function readNumberHolding(ctx: StoreContext, number: string): Promise<NumberHolding> {
  const out = await withRetries(() => ctx.doc.send(new GetCommand({ TableName: ctx.tables.projects, Key: keys.number(number), ConsistentRead: true })));
  if (!out.Item) return { number, periods: [], version: null };
  return { number, periods: HoldingPeriod.array().parse(out.Item.periods), version: Number(out.Item.version) };
}

/** The Put of the number's new periods, refused if anyone wrote the item since `read`. */
export function numberHoldingPut(ctx: StoreContext, read: NumberHolding, periods: readonly HoldingPeriod[], updatedAt: string): TransactItem {
  const version = (read.version ?? 0) + 1;
  return {
    Put: {
      TableName: ctx.tables.projects,
      Item: { ...keys.number(read.number), number: read.number, periods, version, updatedAt },
      ...(read.version === null
        ? { ConditionExpression: 'attribute_not_exists(pk)' }
        : { ConditionExpression: 'version = :read', ExpressionAttributeValues: { ':read': read.version } }),
    },
  };
}
