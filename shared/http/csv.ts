/** The ledger as CSV (`Accept: text/csv` on GET /projects/{id}/ledger). */
import type { LedgerEntry } from '../domain/ledger';

export const CSV_HEADER = ['entryId', 'date', 'type', 'description', 'amount', 'balanceEffect', 'productId', 'number'] as const;

/** RFC 4180 quoting: a field with a comma, a quote or a line break is quoted, quotes doubled. */
function csvField(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

/** The entries as CSV (RFC 4180, CRLF line ends), header first, the same rows and order as the JSON. */
export function toCsv(entries: readonly LedgerEntry[]): string {
  const rows = [CSV_HEADER.join(',')];
  for (const e of entries) {
    rows.push([e.entryId, e.date, e.type, e.description, String(e.amount), String(e.balanceEffect), e.productId ?? '', e.number ?? ''].map(csvField).join(','));
  }
  return rows.join('\r\n') + '\r\n';
}
