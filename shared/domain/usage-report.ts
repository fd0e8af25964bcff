/**
 * The usage report (docs/api.md "Reports"), pure: a day's events folded into cells (one per distinct
 * kind, country, prefix and tags), the cells of many days grouped by one or two dimensions, and the
 * rules of both. The same fold makes a closed day's stored aggregate and an open day's answer from
 * its events, so the two kinds of day always agree.
 *
 * Tags are client-named: they live in arrays of [key, value] pairs and groups in Maps keyed by a
 * JSON encoding, never as plain-object keys.
 */
import { daysBetween, type BillingDay } from './billing-days';
import { DomainError, ValidationFailed } from './errors';
import type { Money } from './money';
import { TagKey, type UsageKind } from './usage';

/** Longest range a report covers, both ends included. */
export const MAX_REPORT_DAYS = 366;
/** Most rows a usage report answers; beyond it the request is refused (too_many_groups). */
export const MAX_REPORT_ROWS = 10_000;
/**
 * Distinct values of one tag key kept per day in an aggregate: the 100 with the most events (ties by
 * value); the rest of that key's values that day are folded into one "other" bucket.
 */
export const MAX_TAG_VALUES_PER_DAY = 100;
/**
 * The largest encoded aggregate of one day (DynamoDB items stop at 400 KB; the rest is the key and
 * the counters). A day over it is folded again with fewer tag values per key (10, then 1, then 0); a
 * day still over it with every tag folded (thousands of distinct prefixes and countries) keeps no
 * aggregate and is answered from its events.
 */
export const MAX_AGGREGATE_BYTES = 350_000;
const FOLD_STEPS = [MAX_TAG_VALUES_PER_DAY, 10, 1, 0] as const;

/** A tag value folded into its key's "other" bucket. */
export const OTHER = 0;
export type TagCellValue = string | typeof OTHER;

/** What the report needs of a stored event. */
export interface ReportEvent {
  kind: UsageKind;
  destination: string;
  durationSec?: number;
  cost: Money;
  prefix?: string;
  /** ISO 3166-1 alpha-2, looked up when the event was accepted (domain/country.ts). */
  country?: string;
  /** Sorted by key. */
  tagPairs?: readonly (readonly [string, string])[];
}

/** Events of one day with the same kind, country, prefix and tags, summed. */
export interface Cell {
  kind: UsageKind;
  country: string;
  prefix: string | null;
  tags: readonly (readonly [string, TagCellValue])[];
  count: number;
  durationSec: number;
  amount: Money;
}


/** Kept tag values per key: the `limit` with the most events, ties by value. */
function keptValues(events: readonly ReportEvent[], limit: number): Map<string, Set<string>> {
  const counts = new Map<string, Map<string, number>>();
  for (const e of events) {
    for (const [k, v] of e.tagPairs ?? []) {
      const byValue = counts.get(k) ?? new Map<string, number>();
      byValue.set(v, (byValue.get(v) ?? 0) + 1);
      counts.set(k, byValue);
    }
  }
  const kept = new Map<string, Set<string>>();
  for (const [k, byValue] of counts) {
    const order = [...byValue].sort(([va, a], [vb, b]) => b - a || (va < vb ? -1 : va > vb ? 1 : 0));
    kept.set(k, new Set(order.slice(0, limit).map(([v]) => v)));
  }
  return kept;
}

function cellsWith(events: readonly ReportEvent[], limit: number): Cell[] {
  const kept = keptValues(events, limit);
  const cells = new Map<string, Cell>();
  for (const e of events) {
    // Events stored before the country was kept have none: "ZZ", as for a number of no country.
    const country = e.country ?? 'ZZ';
    const tags = (e.tagPairs ?? []).map(([k, v]) => [k, kept.get(k)!.has(v) ? v : OTHER] as const);
    const prefix = e.prefix ?? null;
    const key = JSON.stringify([e.kind, country, prefix, tags]);
    const c = cells.get(key);
    const duration = e.kind === 'sms' ? 0 : e.durationSec ?? 0;
    if (c) { c.count++; c.durationSec += duration; c.amount += e.cost; }
    else cells.set(key, { kind: e.kind, country, prefix, tags, count: 1, durationSec: duration, amount: e.cost });
  }
  // A fixed order, so the same events always encode to the same aggregate.
  return [...cells].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, c]) => c);
}

/**
 * The stored form of a day's cells: one JSON string, compact and measurable. Every text (kind,
 * country, prefix, tag keys and values) is written once in `t` and cells refer to it by index, so a
 * day of many cells that share a few names stays small (a year of a busy project is read in one go).
 */
export function encodeCells(cells: readonly Cell[]): string {
  const texts: string[] = [];
  const index = new Map<string, number>();
  const ref = (text: string): number => {
    let i = index.get(text);
    if (i === undefined) { i = texts.length; texts.push(text); index.set(text, i); }
    return i;
  };
  const rows = cells.map((c) => [ref(c.kind), ref(c.country), c.prefix === null ? -1 : ref(c.prefix),
    c.tags.map(([k, v]) => [ref(k), v === OTHER ? -1 : ref(v)]), c.count, c.durationSec, c.amount]);
  return JSON.stringify({ t: texts, c: rows });
}

export function decodeCells(encoded: string): Cell[] {
  const { t, c } = JSON.parse(encoded) as { t: string[]; c: [number, number, number, [number, number][], number, number, number][] };
  return c.map(([kind, country, prefix, tags, count, durationSec, amount]) => ({
    kind: t[kind] as UsageKind,
    country: t[country]!,
    prefix: prefix === -1 ? null : t[prefix]!,
    tags: tags.map(([k, v]) => [t[k]!, v === -1 ? OTHER : t[v]!] as const),
    count, durationSec, amount,
  }));
}

export interface DayCells {
  cells: Cell[];
  /** The encoded cells; null when even with every tag folded they exceed MAX_AGGREGATE_BYTES. */
  encoded: string | null;
  count: number;
}

/**
 * A day's events as cells, tags folded as MAX_TAG_VALUES_PER_DAY says, folded further while the
 * encoding is over MAX_AGGREGATE_BYTES.
 */
export function foldDay(events: readonly ReportEvent[]): DayCells {
  let cells: Cell[] = [];
  for (const limit of FOLD_STEPS) {
    cells = cellsWith(events, limit);
    const encoded = encodeCells(cells);
    if (new TextEncoder().encode(encoded).length <= MAX_AGGREGATE_BYTES) return { cells, encoded, count: events.length };
  }
  return { cells, encoded: null, count: events.length };
}

export type Dimension =
  | { kind: 'day' | 'month' | 'kind' | 'country' | 'prefix'; name: string }
  | { kind: 'tag'; key: string; name: string };

const PLAIN = ['day', 'month', 'kind', 'country', 'prefix'] as const;

/** `groupBy` as sent: 1 or 2 distinct dimensions, comma-separated. */
export function parseGroupBy(value: string): Dimension[] {
  const parts = value.split(',').map((p) => p.trim());
  if (parts.length < 1 || parts.length > 2 || parts.some((p) => p === '')) {
    throw new ValidationFailed('groupBy is 1 or 2 of day, month, kind, country, prefix, tag:<key>, comma-separated');
  }
  if (new Set(parts).size !== parts.length) throw new ValidationFailed('groupBy names a dimension twice');
  return parts.map((p): Dimension => {
    const plain = PLAIN.find((d) => d === p);
    if (plain) return { kind: plain, name: plain };
    if (p.startsWith('tag:') && TagKey.safeParse(p.slice(4)).success) return { kind: 'tag', key: p.slice(4), name: p };
    throw new ValidationFailed(`groupBy: unknown dimension ${JSON.stringify(p.slice(0, 40))} (day, month, kind, country, prefix or tag:<key>)`);
  });
}

/** `from`..`to`: in order, at most MAX_REPORT_DAYS days. */
export function checkRange(from: BillingDay, to: BillingDay): void {
  if (to < from) throw new ValidationFailed('to is before from');
  if (daysBetween(from, to) + 1 > MAX_REPORT_DAYS) throw new ValidationFailed(`a report covers at most ${MAX_REPORT_DAYS} days`);
}

export class TooManyGroups extends DomainError {
  constructor() {
    super('too_many_groups', `the report has more than ${MAX_REPORT_ROWS} rows: group by fewer or coarser dimensions, or a shorter range`, 400);
  }
}

/** A group's value of one dimension: null for an event without the tag (or without a known prefix). */
export type GroupValue = string | null | { other: true };

export interface Totals { count: number; durationSec: number; amount: Money }
export interface UsageReportRow extends Totals { group: Record<string, GroupValue> }
export interface UsageReport { from: BillingDay; to: BillingDay; groupBy: string[]; rows: UsageReportRow[]; total: Totals }

type Internal = string | null | typeof OTHER;

function valueOf(dim: Dimension, day: BillingDay, c: Cell): Internal {
  switch (dim.kind) {
    case 'day': return day;
    case 'month': return day.slice(0, 7);
    case 'kind': return c.kind;
    case 'country': return c.country;
    case 'prefix': return c.prefix;
    case 'tag': return c.tags.find(([k]) => k === dim.key)?.[1] ?? null;
  }
}

/** null first, then text in code-unit order, then the "other" bucket. */
function compareValue(a: Internal, b: Internal): number {
  const rank = (v: Internal) => (v === null ? 0 : v === OTHER ? 2 : 1);
  if (rank(a) !== rank(b)) return rank(a) - rank(b);
  return typeof a === 'string' && typeof b === 'string' ? (a < b ? -1 : a > b ? 1 : 0) : 0;
}

/** The days' cells grouped by `dims`, rows ordered by group; TooManyGroups past MAX_REPORT_ROWS. */
export function usageReport(from: BillingDay, to: BillingDay, dims: readonly Dimension[], days: Iterable<readonly [BillingDay, readonly Cell[]]>): UsageReport {
  const groups = new Map<string, { values: Internal[] } & Totals>();
  for (const [day, cells] of days) {
    for (const c of cells) {
      const values = dims.map((d) => valueOf(d, day, c));
      // Control characters never occur in a value (tag values are printable), so they can delimit.
      const key = values.map((v) => (v === null ? '\u0000' : v === OTHER ? '\u0001' : v)).join('\u0002');
      let g = groups.get(key);
      if (!g) {
        if (groups.size >= MAX_REPORT_ROWS) throw new TooManyGroups();
        g = { values, count: 0, durationSec: 0, amount: 0 };
        groups.set(key, g);
      }
      g.count += c.count; g.durationSec += c.durationSec; g.amount += c.amount;
    }
  }
  const sorted = [...groups.values()].sort((a, b) => {
    for (let i = 0; i < dims.length; i++) {
      const r = compareValue(a.values[i]!, b.values[i]!);
      if (r !== 0) return r;
    }
    return 0;
  });
  const total: Totals = { count: 0, durationSec: 0, amount: 0 };
  const rows = sorted.map((g) => {
    total.count += g.count; total.durationSec += g.durationSec; total.amount += g.amount;
    // Dimension names are fixed words or `tag:<key>`: never a prototype name; fromEntries defines own properties anyway.
    const group = Object.fromEntries(dims.map((d, i) => [d.name, g.values[i] === OTHER ? { other: true as const } : g.values[i] as string | null]));
    return { group, count: g.count, durationSec: g.durationSec, amount: g.amount };
  });
  return { from, to, groupBy: dims.map((d) => d.name), rows, total };
}
