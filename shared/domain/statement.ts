/**
 * A monthly statement (docs/api.md "Statements"): the sums of one calendar month of a project's
 * ledger, the month's telecom by kind, and the VAT its prices include. Pure: the store reads the
 * month's ledger entries, per-day telecom counters and the rate in force on each day; this decides
 * every figure from them, so the same month always gives the same statement.
 *
 * Signs: a statement's figures are positive where the contract says so (charges, refunds, credits
 * granted, expired and voided); `adjustments` is signed. The ledger's amounts are effects on the
 * balance, so a charge line of -500 is a charge of 500 here.
 */
import * as z from 'zod';
import { addDays, daysInMonth, type BillingDay } from './billing-days';
import type { LedgerEntry } from './ledger';
import { Money, mulDivRoundHalfUp, sum } from './money';
import type { UsageKind } from './usage';
import { Day } from './values';

export const Month = z.string().regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'a calendar month YYYY-MM').meta({ example: '2026-11' });
export type Month = string;

export function monthOf(day: BillingDay): Month {
  return day.slice(0, 7);
}

export function firstDayOf(month: Month): BillingDay {
  return `${month}-01`;
}

export function lastDayOf(month: Month): BillingDay {
  const first = firstDayOf(month);
  return addDays(first, daysInMonth(first) - 1);
}

export function nextMonth(month: Month): Month {
  return monthOf(addDays(lastDayOf(month), 1));
}

/**
 * VAT a gross price includes at `percent`: round_half_up(gross × percent / (100 + percent)), in exact
 * integer arithmetic (halves towards +infinity, for a negative gross too).
 */
export function vatIncluded(gross: Money, percent: number): Money {
  return mulDivRoundHalfUp(gross, percent, 100 + percent);
}

const Amount = Money;
const Count = z.number().int().nonnegative();
/** Telecom kinds of a statement: the usage kinds, and `other` for counts made before kinds were kept. */
export type TelecomKind = UsageKind | 'other';
const TELECOM_KINDS: readonly TelecomKind[] = ['outgoing_call', 'forwarded_call', 'sms', 'other'];

export const Statement = z.object({
  projectId: z.string(),
  projectName: z.string(),
  month: Month,
  currency: z.string(),
  from: Day,
  to: Day,
  openingBalance: Amount,
  closingBalance: Amount,
  openingCreditBalance: Amount,
  closingCreditBalance: Amount,
  payments: Amount,
  adjustments: Amount.meta({ description: 'net, signed' }),
  refunds: Amount,
  creditsGranted: Amount,
  creditsDrawn: Amount,
  creditsExpired: Amount,
  creditsVoided: Amount,
  charges: z.object({
    products: z.array(z.object({ productId: z.string(), name: z.string(), days: Count, amount: Amount })),
    numbers: z.array(z.object({ type: z.string(), count: Count.meta({ description: 'number-days charged' }), amount: Amount })),
    discount: Amount,
    telecom: z.array(z.object({ kind: z.string(), count: Count.meta({ description: 'events' }), amount: Amount })),
    total: Amount,
  }),
  vat: z.array(z.object({ percent: z.number().int().min(0).max(100), gross: Amount, included: Amount })),
}).meta({ id: 'Statement' });
export type Statement = z.infer<typeof Statement>;

export const StatementSummary = z.object({ month: Month, openingBalance: Amount, closingBalance: Amount });
export type StatementSummary = z.infer<typeof StatementSummary>;
export const StatementList = z.object({ statements: z.array(StatementSummary) }).meta({ id: 'StatementList' });

/** One kind's events counted on one day (the running counters kept beside the day's telecom total). */
export interface KindTotal { count: number; amount: Money }

/** What a statement is made of. */
export interface StatementInput {
  projectId: string;
  projectName: string;
  currency: string;
  month: Month;
  /** The first day the statement covers: the 1st, or the project's billingStartDate in its first month. */
  from: BillingDay;
  /** The previous statement's closing figures (0 for the first). */
  openingBalance: Money;
  openingCreditBalance: Money;
  /** Every ledger entry dated from `from` to the month's last day. */
  entries: readonly LedgerEntry[];
  /** The month's telecom by kind, summed over the days' counters. */
  telecomByKind: ReadonlyMap<UsageKind, KindTotal>;
  /** The VAT rate in force on a day of the month. */
  vatOn: (day: BillingDay) => number;
  /** What the grants paid of the charges counted in the month. */
  creditsDrawn: Money;
  /** The name a product is shown with (the plan's); the id when unknown. */
  productName: (productId: string) => string | undefined;
}

/** Number-days of a `number_daily` line: one per number, or the count a grouped line starts with. */
function numberDays(entry: LedgerEntry): number {
  if (entry.number !== undefined) return 1;
  const m = /^([\d,]+) /.exec(entry.description);
  return m ? Number(m[1]!.replace(/,/g, '')) : 1;
}

/** The number type of a `number_daily` line (domain/charge-day.ts writes it in the id or the description). */
export function numberTypeOf(entry: Pick<LedgerEntry, 'entryId' | 'description'>): string {
  const grouped = /#numbers#([a-z][a-z0-9_-]{0,19})$/.exec(entry.entryId);
  if (grouped) return grouped[1]!;
  const single = /^Number \S+ \(([a-z][a-z0-9_-]{0,19})\)/.exec(entry.description);
  return single ? single[1]! : 'unknown';
}

const neg = (x: Money): Money => (x === 0 ? 0 : -x);

function add<K>(map: Map<K, Money>, key: K, amount: Money): void {
  map.set(key, (map.get(key) ?? 0) + amount);
}

/** Every figure of a month from its ledger entries (see the module comment). */
export function makeStatement(input: StatementInput): Statement {
  const to = lastDayOf(input.month);
  const byType = new Map<string, LedgerEntry[]>();
  for (const e of input.entries) {
    const list = byType.get(e.type);
    if (list) list.push(e); else byType.set(e.type, [e]);
  }
  const of = (type: string) => byType.get(type) ?? [];
  const total = (type: string) => sum(of(type).map((e) => e.amount));

  const products = new Map<string, { days: number; amount: Money }>();
  for (const e of of('product_daily')) {
    const id = e.productId ?? 'unknown';
    const p = products.get(id) ?? { days: 0, amount: 0 };
    products.set(id, { days: p.days + 1, amount: p.amount - e.amount });
  }
  const numbers = new Map<string, { count: number; amount: Money }>();
  for (const e of of('number_daily')) {
    const type = numberTypeOf(e);
    const n = numbers.get(type) ?? { count: 0, amount: 0 };
    numbers.set(type, { count: n.count + numberDays(e), amount: n.amount - e.amount });
  }
  const discount = total('discount');
  const telecomTotal = neg(total('telecom_daily'));

  const telecom: { kind: string; count: number; amount: Money }[] = [];
  let counted = 0;
  for (const kind of TELECOM_KINDS) {
    const t = kind === 'other' ? undefined : input.telecomByKind.get(kind);
    if (!t || (t.count === 0 && t.amount === 0)) continue;
    telecom.push({ kind, count: t.count, amount: t.amount });
    counted += t.amount;
  }
  // Days closed before kinds were counted: their cost stays in the statement, under `other`.
  if (counted !== telecomTotal) telecom.push({ kind: 'other', count: 0, amount: telecomTotal - counted });

  const productList = [...products].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([productId, p]) => ({ productId, name: input.productName(productId) ?? productId, days: p.days, amount: p.amount }));
  const numberList = [...numbers].sort((a, b) => (a[0] < b[0] ? -1 : 1)).map(([type, n]) => ({ type, count: n.count, amount: n.amount }));
  const chargesTotal = sum([...productList.map((p) => p.amount), ...numberList.map((n) => n.amount), neg(discount), ...telecom.map((t) => t.amount)]);

  const payments = total('payment');
  const adjustments = total('adjustment');
  const refunds = total('usage_refund');
  const creditsGranted = total('credit_granted');
  const creditsExpired = neg(total('credit_expired'));
  const creditsVoided = neg(total('credit_voided'));

  return {
    projectId: input.projectId,
    projectName: input.projectName,
    month: input.month,
    currency: input.currency,
    from: input.from,
    to,
    openingBalance: input.openingBalance,
    closingBalance: sum([input.openingBalance, payments, adjustments, refunds, creditsGranted, neg(creditsExpired), neg(creditsVoided), neg(chargesTotal)]),
    openingCreditBalance: input.openingCreditBalance,
    closingCreditBalance: sum([input.openingCreditBalance, creditsGranted, neg(input.creditsDrawn), neg(creditsExpired), neg(creditsVoided)]),
    payments,
    adjustments,
    refunds,
    creditsGranted,
    creditsDrawn: input.creditsDrawn,
    creditsExpired,
    creditsVoided,
    charges: { products: productList, numbers: numberList, discount, telecom, total: chargesTotal },
    vat: vatLines(input.entries, input.vatOn, input.from, to),
  };
}

/**
 * One line per rate in force on some day of the month, in the order the rates first apply: `gross`
 * the charges of the days at that rate (products, numbers and telecom, less the discount) less the
 * refunds dated on them; `included` the VAT in it.
 */
export function vatLines(entries: readonly LedgerEntry[], vatOn: (day: BillingDay) => number, from: BillingDay, to: BillingDay): Statement['vat'] {
  const gross = new Map<number, Money>();
  for (let d = from; d <= to; d = addDays(d, 1)) if (!gross.has(vatOn(d))) gross.set(vatOn(d), 0);
  for (const e of entries) {
    if (e.date < from || e.date > to) continue;
    if (e.type === 'product_daily' || e.type === 'number_daily' || e.type === 'discount' || e.type === 'telecom_daily' || e.type === 'usage_refund') {
      add(gross, vatOn(e.date), neg(e.amount));
    }
  }
  return [...gross].map(([percent, g]) => ({ percent, gross: g, included: vatIncluded(g, percent) }));
}

/** What the next month's statement opens with. */
export function openingAfter(previous: Pick<Statement, 'closingBalance' | 'closingCreditBalance'> | null): { openingBalance: Money; openingCreditBalance: Money } {
  return previous ? { openingBalance: previous.closingBalance, openingCreditBalance: previous.closingCreditBalance } : { openingBalance: 0, openingCreditBalance: 0 };
}

/** The statement as rows of `section,item,count,amount`: one row per figure, in the JSON's order. */
export function statementRows(s: Statement): (string | number | undefined)[][] {
  const rows: (string | number | undefined)[][] = [
    ['project', s.projectName, undefined, undefined],
    ['month', s.month, undefined, undefined],
    ['period', `${s.from} to ${s.to}`, undefined, undefined],
    ['currency', s.currency, undefined, undefined],
    ['balance', 'opening', undefined, s.openingBalance],
    ['movements', 'payments', undefined, s.payments],
    ['movements', 'adjustments', undefined, s.adjustments],
    ['movements', 'refunds', undefined, s.refunds],
    ['movements', 'credits granted', undefined, s.creditsGranted],
    ['movements', 'credits expired', undefined, s.creditsExpired],
    ['movements', 'credits voided', undefined, s.creditsVoided],
    ...s.charges.products.map((p) => ['products', `${p.name} (${p.productId})`, p.days, p.amount]),
    ...s.charges.numbers.map((n) => ['numbers', n.type, n.count, n.amount]),
    ['discount', 'multi-product discount', undefined, s.charges.discount],
    ...s.charges.telecom.map((t) => ['telecom', t.kind, t.count, t.amount]),
    ['charges', 'total', undefined, s.charges.total],
    ['balance', 'closing', undefined, s.closingBalance],
    ['credit', 'opening', undefined, s.openingCreditBalance],
    ['credit', 'granted', undefined, s.creditsGranted],
    ['credit', 'drawn', undefined, s.creditsDrawn],
    ['credit', 'expired', undefined, s.creditsExpired],
    ['credit', 'voided', undefined, s.creditsVoided],
    ['credit', 'closing', undefined, s.closingCreditBalance],
    ...s.vat.flatMap((v) => [['vat', `gross at ${v.percent}%`, undefined, v.gross], ['vat', `included at ${v.percent}%`, undefined, v.included]]),
  ];
  return rows;
}
