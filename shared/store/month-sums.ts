/**
 * A month's running sums (Projects table, `sums#<YYYY-MM>` in the project's partition): what the
 * month's statement is made of (domain/statement.ts MonthSums). Every transaction that writes a
 * ledger line, and the charge that closes a day (its telecom by kind), ADDs its part to the item of
 * each month it books in, in the same transaction: nothing is read first, so a booking costs one small
 * item and never contends with another. The close of a month reads that one item instead of the
 * month's ledger.
 *
 * What the grants paid is not kept here: it is in the days' `draws#<date>` items the same
 * transactions write (the debit's among them, which books no ledger line), read at the close.
 *
 * Attributes are flat, one number each, so ADD creates what is not there yet: `t#<ledger type>`,
 * `pd#`/`pa#<product>` (days, amount), `nc#`/`na#<number type>` (number-days, amount),
 * `kc#`/`ka#<kind>` (events, amount) and `g#<day>` (VAT gross of the day).
 */
import type { BillingDay } from '../domain/billing-days';
import type { LedgerType } from '../domain/ledger';
import { book, emptySums, mergeSums, type Booking, type Month, type MonthSums } from '../domain/statement';
import type { UsageKind } from '../domain/usage';
import type { StoreContext } from './context';
import { readDayItems } from './day-items';
import { keys } from './keys';
import type { ProjectItem } from './projects';
import type { TransactItem } from './transactions';

/** The attributes that hold `s` (see the module comment). */
function attributesOf(s: MonthSums): [string, number][] {
  return [
    ...Object.entries(s.byType).map(([t, v]): [string, number] => [`t#${t}`, v]),
    ...Object.entries(s.products).flatMap(([id, p]): [string, number][] => [[`pd#${id}`, p.days], [`pa#${id}`, p.amount]]),
    ...Object.entries(s.numbers).flatMap(([type, n]): [string, number][] => [[`nc#${type}`, n.count], [`na#${type}`, n.amount]]),
    ...Object.entries(s.kinds).flatMap(([kind, k]): [string, number][] => [[`kc#${kind}`, k.count], [`ka#${kind}`, k.amount]]),
    ...Object.entries(s.gross).map(([day, g]): [string, number] => [`g#${day}`, g]),
  ];
}

/** The item of a month's sums as the ADDs of `s` leave it, starting from none (for a fixture). */
export function monthSumsItem(projectId: string, month: Month, s: MonthSums): Record<string, unknown> {
  return { ...keys.monthSums(projectId, month), ...Object.fromEntries(attributesOf(s)) };
}

/**
 * The Updates that ADD a booking to its months' sums: one per month it books in (almost always one);
 * none for a project that keeps no sums (ProjectItem.sumsKept).
 */
export function sumsAdds(ctx: StoreContext, project: Pick<ProjectItem, 'projectId' | 'sumsKept'>, booking: Booking): TransactItem[] {
  const out: TransactItem[] = [];
  if (!project.sumsKept) return out;
  const { projectId } = project;
  for (const [month, s] of Object.entries(book({}, booking))) {
    const adds = attributesOf(s);
    if (adds.length === 0) continue;
    const names: Record<string, string> = {};
    const values: Record<string, unknown> = {};
    adds.forEach(([name, value], i) => { names[`#a${i}`] = name; values[`:a${i}`] = value; });
    out.push({
      Update: {
        TableName: ctx.tables.projects,
        Key: keys.monthSums(projectId, month),
        UpdateExpression: `ADD ${adds.map((_, i) => `#a${i} :a${i}`).join(', ')}`,
        ExpressionAttributeNames: names,
        ExpressionAttributeValues: values,
      },
    });
  }
  return out;
}

/** The sums a stored item holds (see the module comment); `drawn` is 0 (not kept here). */
function sumsOfItem(item: Record<string, unknown>): MonthSums {
  const s = emptySums();
  for (const [name, raw] of Object.entries(item)) {
    const cut = name.indexOf('#');
    if (cut < 0 || name === 'pk' || name === 'sk') continue;
    const [tag, key, v] = [name.slice(0, cut), name.slice(cut + 1), Number(raw)];
    if (tag === 't') s.byType[key as LedgerType] = v;
    else if (tag === 'pd' || tag === 'pa') s.products[key] = { ...(s.products[key] ?? { days: 0, amount: 0 }), [tag === 'pd' ? 'days' : 'amount']: v };
    else if (tag === 'nc' || tag === 'na') s.numbers[key] = { ...(s.numbers[key] ?? { count: 0, amount: 0 }), [tag === 'nc' ? 'count' : 'amount']: v };
    else if (tag === 'kc' || tag === 'ka') s.kinds[key as UsageKind] = { ...(s.kinds[key as UsageKind] ?? { count: 0, amount: 0 }), [tag === 'kc' ? 'count' : 'amount']: v };
    else if (tag === 'g') s.gross[key as BillingDay] = v;
  }
  return s;
}

/**
 * The sums of the months `from`..`to` merged (one query of a few small items; usually one). Sums
 * DynamoDB holds past 2^53 (it keeps 38 digits; the SDK refuses to read them as numbers) come back
 * `inexact`, so the month's statement is read from its ledger.
 */
export async function readMonthSums(ctx: Pick<StoreContext, 'doc' | 'tables'>, projectId: string, from: Month, to: Month): Promise<MonthSums> {
  let items: Record<string, unknown>[];
  try {
    items = await readDayItems(ctx, projectId, keys.monthSums, from, to);
  } catch (err) {
    if (err instanceof Error && /MAX_SAFE_INTEGER/.test(err.message)) return { ...emptySums(), inexact: true };
    throw err;
  }
  return items.map(sumsOfItem).reduce(mergeSums, emptySums());
}
