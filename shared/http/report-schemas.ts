/**
 * The reports' query and answer schemas (docs/api.md "Reports"), beside schemas.ts so the routes,
 * the route factory and /openapi.json read the same rules.
 */
import * as z from 'zod';
import { Money } from '../domain/money';
import { Day } from '../domain/values';

export const UsageReportQuery = z.strictObject({
  from: Day,
  to: Day,
  groupBy: z.string().min(1).max(200).meta({ description: '1 or 2 of day, month, kind, country, prefix, tag:<key>, comma-separated', example: 'day,country' }),
});

export const SpendReportQuery = z.strictObject({ from: Day, to: Day, groupBy: z.enum(['day', 'month']) });

/** A group's value: text, null (no such tag on the events, or a prefix not recorded), or a tag key's "other" bucket. */
export const GroupValue = z.union([z.string(), z.null(), z.object({ other: z.literal(true) })]);

const UsageTotals = z.object({ count: z.number().int().min(0), durationSec: z.number().int().min(0), amount: Money });

export const UsageReport = z.object({
  from: Day,
  to: Day,
  groupBy: z.array(z.string()),
  rows: z.array(UsageTotals.extend({ group: z.record(z.string(), GroupValue) })),
  total: UsageTotals,
}).meta({ id: 'UsageReport' });

const SpendFigures = z.object({
  products: Money, numbers: Money, discount: Money, telecom: Money, adjustments: Money, refunds: Money, total: Money,
});

export const SpendReport = z.object({
  from: Day,
  to: Day,
  groupBy: z.enum(['day', 'month']),
  rows: z.array(SpendFigures.extend({ period: z.string() })),
  total: SpendFigures,
}).meta({ id: 'SpendReport' });
