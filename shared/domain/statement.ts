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
import type { LedgerEntry, LedgerType } from './ledger';
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

/**
 * A month's running sums: everything a statement is made of, kept by every transaction that books a
 * ledger line or closes a day's telecom (book; shared/store/month-sums.ts), so closing the month reads
 * no ledger. Amounts are as booked (effects on the balance), except `products` and `numbers`, which
 * count charges (positive), and `gross`: per day, the charges at that day's VAT rate less the refunds
 * dated on it. `drawn` (what the grants paid) is read from the days' draws at the close. `inexact`
 * marks sums that left the exact integers (a hostile month of days at the telecom limit): the
 * statement is then read from the ledger.
 */
export interface MonthSums {
  byType: Partial<Record<LedgerType, Money>>;
  products: Record<string, { days: number; amount: Money }>;
  numbers: Record<string, { count: number; amount: Money }>;
  kinds: Partial<Record<UsageKind, KindTotal>>;
  drawn: Money;
  gross: Record<BillingDay, Money>;
  inexact?: true;
}
export type SumsByMonth = Record<Month, MonthSums>;

/** What one transaction books into the sums. */
export interface Booking {
  entries?: readonly LedgerEntry[];
  /** The telecom by kind of a day the transaction closes. */
  closedDay?: { day: BillingDay; kinds: ReadonlyMap<UsageKind, KindTotal> };
}

export function emptySums(): MonthSums {
  return { byType: {}, products: {}, numbers: {}, kinds: {}, drawn: 0, gross: {} };
}

const VAT_TYPES: ReadonlySet<LedgerType> = new Set<LedgerType>(['product_daily', 'number_daily', 'discount', 'telecom_daily', 'usage_refund']);

/** The sums after `b`: a new object, `sums` untouched (the caller's read stays the state it read). */
export function book(sums: SumsByMonth, b: Booking): SumsByMonth {
  const out: SumsByMonth = { ...sums };
  const monthFor = (day: BillingDay): MonthSums => {
    const month = monthOf(day);
    const was = out[month];
    if (was === undefined || was === sums[month]) out[month] = was ? cloneSums(was) : emptySums();
    return out[month]!;
  };
  for (const e of b.entries ?? []) bookEntry(monthFor(e.date), e);
  if (b.closedDay && b.closedDay.kinds.size > 0) {
    const m = monthFor(b.closedDay.day);
    for (const [kind, t] of b.closedDay.kinds) {
      const k = m.kinds[kind] ?? { count: 0, amount: 0 };
      m.kinds[kind] = { count: k.count + t.count, amount: plus(m, k.amount, t.amount) };
    }
  }
  return out;
}

/** Books one ledger entry into `m` (in place). */
function bookEntry(m: MonthSums, e: LedgerEntry): void {
  m.byType[e.type] = plus(m, m.byType[e.type] ?? 0, e.amount);
  if (e.type === 'product_daily') {
    const id = e.productId ?? 'unknown';
    const p = m.products[id] ?? { days: 0, amount: 0 };
    m.products[id] = { days: p.days + 1, amount: plus(m, p.amount, -e.amount) };
  } else if (e.type === 'number_daily') {
    const type = numberTypeOf(e);
    const n = m.numbers[type] ?? { count: 0, amount: 0 };
    m.numbers[type] = { count: n.count + numberDays(e), amount: plus(m, n.amount, -e.amount) };
  }
  if (VAT_TYPES.has(e.type)) m.gross[e.date] = plus(m, m.gross[e.date] ?? 0, -e.amount);
}

function cloneSums(s: MonthSums): MonthSums {
  return {
    byType: { ...s.byType }, products: { ...s.products }, numbers: { ...s.numbers }, kinds: { ...s.kinds }, drawn: s.drawn, gross: { ...s.gross },
    ...(s.inexact ? { inexact: true as const } : {}),
  };
}

/** a + b, marking `m` inexact when the result is no exact integer (see MonthSums). */
function plus(m: MonthSums, a: Money, b: Money): Money {
  const r = a + b;
  if (!Number.isSafeInteger(r)) m.inexact = true;
  return r;
}

/** The sums of two stretches of booking, added. */
export function mergeSums(a: MonthSums, b: MonthSums): MonthSums {
  const out = cloneSums(a);
  if (b.inexact) out.inexact = true;
  for (const [t, v] of Object.entries(b.byType) as [LedgerType, Money][]) out.byType[t] = plus(out, out.byType[t] ?? 0, v);
  for (const [id, p] of Object.entries(b.products)) {
    const q = out.products[id] ?? { days: 0, amount: 0 };
    out.products[id] = { days: q.days + p.days, amount: plus(out, q.amount, p.amount) };
  }
  for (const [type, n] of Object.entries(b.numbers)) {
    const q = out.numbers[type] ?? { count: 0, amount: 0 };
    out.numbers[type] = { count: q.count + n.count, amount: plus(out, q.amount, n.amount) };
  }
  for (const [kind, k] of Object.entries(b.kinds) as [UsageKind, KindTotal][]) {
    const q = out.kinds[kind] ?? { count: 0, amount: 0 };
    out.kinds[kind] = { count: q.count + k.count, amount: plus(out, q.amount, k.amount) };
  }
  out.drawn = plus(out, out.drawn, b.drawn);
  for (const [day, g] of Object.entries(b.gross)) out.gross[day] = plus(out, out.gross[day] ?? 0, g);
  return out;
}

/** The sums of a statement's ledger entries (whatever their dates), telecom counters and draws: makeStatement's input. */
export function sumsOf(entries: readonly LedgerEntry[], telecomByKind: ReadonlyMap<UsageKind, KindTotal>, creditsDrawn: Money): MonthSums {
  const m = emptySums();
  for (const e of entries) bookEntry(m, e);
  return { ...m, kinds: Object.fromEntries(telecomByKind), drawn: creditsDrawn };
}

/** Every figure of a month from its ledger entries (see the module comment). */
export function makeStatement(input: StatementInput): Statement {
  const { entries, telecomByKind, creditsDrawn, ...rest } = input;
  return statementOfSums({ ...rest, sums: sumsOf(entries, telecomByKind, creditsDrawn) });
}

/** A statement's header and what it needs beside its sums. */
export type StatementFrame = Omit<StatementInput, 'entries' | 'telecomByKind' | 'creditsDrawn'>;

/** Every figure of a month from its sums (see MonthSums). */
export function statementOfSums(input: StatementFrame & { sums: MonthSums }): Statement {
  const to = lastDayOf(input.month);
  const s = input.sums;
  const total = (type: LedgerType) => sum([s.byType[type] ?? 0]);
  const discount = total('discount');
  const telecomTotal = neg(total('telecom_daily'));

  const telecom: { kind: string; count: number; amount: Money }[] = [];
  let counted = 0;
  for (const kind of TELECOM_KINDS) {
    const t = kind === 'other' ? undefined : s.kinds[kind];
    if (!t || (t.count === 0 && t.amount === 0)) continue;
    telecom.push({ kind, count: t.count, amount: t.amount });
    counted += t.amount;
  }
  // Days closed before kinds were counted: their cost stays in the statement, under `other`.
  if (counted !== telecomTotal) telecom.push({ kind: 'other', count: 0, amount: telecomTotal - counted });

  const byKey = <T>(o: Record<string, T>) => Object.entries(o).sort((a, b) => (a[0] < b[0] ? -1 : 1));
  const productList = byKey(s.products).map(([productId, p]) => ({ productId, name: input.productName(productId) ?? productId, days: p.days, amount: p.amount }));
  const numberList = byKey(s.numbers).map(([type, n]) => ({ type, count: n.count, amount: n.amount }));
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
    closingCreditBalance: sum([input.openingCreditBalance, creditsGranted, neg(s.drawn), neg(creditsExpired), neg(creditsVoided)]),
    payments,
    adjustments,
    refunds,
    creditsGranted,
    creditsDrawn: s.drawn,
    creditsExpired,
    creditsVoided,
    charges: { products: productList, numbers: numberList, discount, telecom, total: chargesTotal },
    vat: vatLinesOf(s.gross, input.vatOn, input.from, to),
  };
}

/**
 * One line per rate in force on some day of the month, in the order the rates first apply: `gross`
 * the charges of the days at that rate (products, numbers and telecom, less the discount) less the
 * refunds dated on them; `included` the VAT in it.
 */
function vatLinesOf(grossByDay: Readonly<Record<BillingDay, Money>>, vatOn: (day: BillingDay) => number, from: BillingDay, to: BillingDay): Statement['vat'] {
  const gross = new Map<number, Money>();
  for (let d = from; d <= to; d = addDays(d, 1)) if (!gross.has(vatOn(d))) gross.set(vatOn(d), 0);
  for (const [day, g] of Object.entries(grossByDay).sort((a, b) => (a[0] < b[0] ? -1 : 1))) {
    if (day < from || day > to) continue;
    add(gross, vatOn(day), g);
  }
  return [...gross].map(([percent, g]) => ({ percent, gross: sum([g]), included: vatIncluded(sum([g]), percent) }));
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
