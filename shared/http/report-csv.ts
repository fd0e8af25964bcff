/**
 * The reports as CSV (`Accept: text/csv`): the JSON rows in the same order, one column per group
 * dimension then the figures; the totals are the sum of the rows, so they are not repeated. Cells are
 * neutralised as csv.ts says (a tag value may start with `=`).
 */
import type { SpendReport } from '../domain/spend-report';
import type { GroupValue, UsageReport } from '../domain/usage-report';
import { csvTable, type Cell } from './csv';

/** null: an empty cell; a tag key's folded values: `(other)`. */
function groupCell(v: GroupValue | undefined): Cell {
  if (v === null || v === undefined) return undefined;
  return typeof v === 'string' ? v : '(other)';
}

export function usageReportCsv(r: UsageReport): string {
  return csvTable([...r.groupBy, 'count', 'durationSec', 'amount'], r.rows.map((row) => [
    // Dimension names are fixed words or `tag:<key>`, own properties of the row's group.
    ...r.groupBy.map((name) => groupCell(Object.hasOwn(row.group, name) ? row.group[name] : undefined)),
    row.count, row.durationSec, row.amount,
  ]));
}

export const SPEND_CSV_HEADER = ['period', 'products', 'numbers', 'discount', 'telecom', 'adjustments', 'refunds', 'total'] as const;

export function spendReportCsv(r: SpendReport): string {
  return csvTable(SPEND_CSV_HEADER, r.rows.map((row) => [row.period, row.products, row.numbers, row.discount, row.telecom, row.adjustments, row.refunds, row.total]));
}
