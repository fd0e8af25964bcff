import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { decodeCells, foldDay, MAX_AGGREGATE_BYTES, MAX_REPORT_ROWS, MAX_TAG_VALUES_PER_DAY, parseGroupBy, usageReport, type ReportEvent } from '../../shared/domain/usage-report';
import { spendReport } from '../../shared/domain/spend-report';

const call = (over: Partial<ReportEvent> = {}): ReportEvent => ({ kind: 'outgoing_call', destination: '+380441234567', durationSec: 60, cost: 60, prefix: '38044', country: 'UA', ...over });
const tagged = (k: string, v: string, cost = 1): ReportEvent => call({ cost, tagPairs: [[k, v]] });

describe('foldDay', () => {
  it('keeps every event and kopeck in its cells, whatever the tags', () => {
    const event = fc.record({
      kind: fc.constantFrom('outgoing_call', 'forwarded_call', 'sms') as fc.Arbitrary<ReportEvent['kind']>,
      destination: fc.constant('+380441234567'), cost: fc.integer({ min: 0, max: 100_000 }), durationSec: fc.integer({ min: 0, max: 3600 }),
      country: fc.constantFrom('UA', 'US', 'ZZ'), prefix: fc.constantFrom('380', '1'),
      tagPairs: fc.uniqueArray(fc.tuple(fc.constantFrom('employee', 'constructor', 'x'), fc.string({ minLength: 1, maxLength: 3 })), { selector: ([k]) => k, maxLength: 3 })
        .map((pairs) => pairs.sort(([a], [b]) => (a < b ? -1 : 1))),
    });
    fc.assert(fc.property(fc.array(event, { maxLength: 300 }), (events) => {
      const { cells, encoded } = foldDay(events);
      expect(cells.reduce((a, c) => a + c.count, 0)).toBe(events.length);
      expect(cells.reduce((a, c) => a + c.amount, 0)).toBe(events.reduce((a, e) => a + e.cost, 0));
      expect(decodeCells(encoded!)).toEqual(cells);
    }));
  });

  it(`keeps the ${MAX_TAG_VALUES_PER_DAY} values of a tag key with the most events a day and folds the rest into one other bucket`, () => {
    const events = Array.from({ length: 150 }, (_, i) => tagged('employee', `e${String(i).padStart(3, '0')}`, 10));
    events.push(tagged('employee', 'e149', 10), tagged('employee', 'e149', 10)); // the busiest, though last by name
    const { cells } = foldDay(events);
    const report = usageReport('2026-03-01', '2026-03-01', parseGroupBy('tag:employee'), [['2026-03-01', cells]]);
    expect(report.rows).toHaveLength(MAX_TAG_VALUES_PER_DAY + 1);
    expect(report.rows.find((r) => r.group['tag:employee'] === 'e149')?.count).toBe(3);
    expect(report.rows.at(-1)).toEqual({ group: { 'tag:employee': { other: true } }, count: 50, durationSec: 3000, amount: 500 });
    expect(report.total.amount).toBe(152 * 10);
  });

  it('folds further rather than pass the item size, and gives up the aggregate only when nothing more folds', () => {
    const many = Array.from({ length: 5 * MAX_TAG_VALUES_PER_DAY }, (_, i) => call({ tagPairs: [['a', `${'a'.repeat(60)}${i}`], ['b', `${'b'.repeat(60)}${i}`], ['c', `${'c'.repeat(60)}${i}`], ['d', `${'d'.repeat(60)}${i}`], ['e', `${'e'.repeat(60)}${i}`]] }));
    const folded = foldDay(many);
    expect(new TextEncoder().encode(folded.encoded!).length).toBeLessThanOrEqual(MAX_AGGREGATE_BYTES);
    const prefixes = Array.from({ length: 20_000 }, (_, i) => call({ prefix: `${100000 + i}` }));
    expect(foldDay(prefixes).encoded).toBeNull();
  });
});

describe('usageReport', () => {
  it('orders groups null first, then by value, then other; and refuses more than 10,000 rows', () => {
    const { cells } = foldDay([call({ cost: 1 }), tagged('employee', 'b', 2), tagged('employee', 'a', 3), tagged('employee', 'constructor', 4)]);
    const r = usageReport('2026-03-01', '2026-03-01', parseGroupBy('tag:employee,day'), [['2026-03-01', cells]]);
    expect(r.rows.map((row) => row.group['tag:employee'])).toEqual([null, 'a', 'b', 'constructor']);
    expect(r.rows[0]!.group).toEqual({ 'tag:employee': null, day: '2026-03-01' });
    const wide = foldDay(Array.from({ length: MAX_REPORT_ROWS + 1 }, (_, i) => call({ prefix: String(i) }))).cells;
    expect(() => usageReport('2026-03-01', '2026-03-01', parseGroupBy('prefix'), [['2026-03-01', wide]])).toThrow(/more than 10000 rows/);
  });

  it('parses groupBy strictly', () => {
    expect(parseGroupBy('day,tag:employee').map((d) => d.name)).toEqual(['day', 'tag:employee']);
    for (const bad of ['', 'day,', 'a,b,c', 'kind,kind', 'tag:', 'tag:Employee', 'tag:__proto__', 'week']) expect(() => parseGroupBy(bad), bad).toThrow();
  });
});

describe('spendReport', () => {
  it('sums each figure from its ledger type, open days from their running totals, and ignores payments', () => {
    const r = spendReport('2026-03-01', '2026-03-02', 'month', ['2026-03-01', '2026-03-02'], [
      { date: '2026-03-01', type: 'product_daily', amount: -1000 },
      { date: '2026-03-01', type: 'number_daily', amount: -200 },
      { date: '2026-03-01', type: 'discount', amount: 50 },
      { date: '2026-03-01', type: 'telecom_daily', amount: -300 },
      { date: '2026-03-01', type: 'payment', amount: 50_000 },
      { date: '2026-03-01', type: 'adjustment', amount: 70 },
      { date: '2026-03-01', type: 'usage_refund', amount: 30 },
    ], [{ date: '2026-03-02', total: 400 }]);
    expect(r.rows).toEqual([{ period: '2026-03', products: 1000, numbers: 200, discount: 50, telecom: 700, adjustments: 70, refunds: 30, total: 1000 + 200 - 50 + 700 - 70 - 30 }]);
    expect(r.total).toEqual({ products: 1000, numbers: 200, discount: 50, telecom: 700, adjustments: 70, refunds: 30, total: 1750 });
  });
});
