/**
 * CSV answers (`Accept: text/csv`): the ledger and a day's usage, RFC 4180 with CRLF line ends, the
 * same rows and order as the JSON page.
 *
 * Safe to open in a spreadsheet: a text cell that starts with `=`, `+`, `-`, `@`, a tab or a carriage
 * return would be read as a formula (OWASP "CSV Injection"), so it gets a leading single quote, which
 * spreadsheets show as text (`'+380441234567`). Number and boolean cells are written plain, so an
 * amount stays a number a spreadsheet can add up (`-1234`).
 */
import type { LedgerEntry } from '../domain/ledger';
import { tagEntries, type RatedUsageEvent, type Tags } from '../domain/usage';

/** A cell: text is neutralised, numbers and booleans are not; undefined is an empty cell. */
export type Cell = string | number | boolean | undefined;

export const CSV_HEADER = ['entryId', 'date', 'type', 'description', 'amount', 'balanceEffect', 'productId', 'number'] as const;
export const USAGE_CSV_HEADER = ['eventId', 'projectId', 'kind', 'destination', 'occurredAt', 'durationSec', 'segments', 'cost', 'tags'] as const;

const FORMULA_START = /^[=+\-@\t\r]/;

/** RFC 4180 quoting: a field with a comma, a quote or a line break is quoted, quotes doubled. */
function quoted(value: string): string {
  return /[",\r\n]/.test(value) ? `"${value.replace(/"/g, '""')}"` : value;
}

function csvCell(value: Cell): string {
  if (value === undefined) return '';
  if (typeof value !== 'string') return String(value);
  return quoted(FORMULA_START.test(value) ? `'${value}` : value);
}

/** Rows under a header, CRLF line ends, a final CRLF. */
export function csvTable(header: readonly string[], rows: readonly (readonly Cell[])[]): string {
  return [header.join(','), ...rows.map((row) => row.map(csvCell).join(','))].join('\r\n') + '\r\n';
}

/** The ledger entries as CSV. */
export function toCsv(entries: readonly LedgerEntry[]): string {
  return csvTable(CSV_HEADER, entries.map((e) => [e.entryId, e.date, e.type, e.description, e.amount, e.balanceEffect, e.productId, e.number]));
}

/** Rated usage events as CSV. */
export function usageCsv(events: readonly RatedUsageEvent[]): string {
  return csvTable(USAGE_CSV_HEADER, events.map((e) => [e.eventId, e.projectId, e.kind, e.destination, e.occurredAt, e.durationSec, e.segments, e.cost, tagsCell(e.tags)]));
}

/** An event's tags as one cell: a JSON object sorted by key, empty without tags. */
function tagsCell(tags: Tags | undefined): string | undefined {
  const entries = tagEntries(tags);
  return entries.length === 0 ? undefined : JSON.stringify(Object.fromEntries(entries));
}
