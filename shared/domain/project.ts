/**
 * A project as the API shows it (docs/api.md "Project") and the one rule that decides its status.
 */
import * as z from 'zod';
import { Conflict } from './errors';
import { Money } from './money';
import { Currency, Day } from './values';

export const ProjectStatus = z.enum(['active', 'blocked']);
export type ProjectStatus = z.infer<typeof ProjectStatus>;

export const Project = z.object({
  projectId: z.string(),
  name: z.string(),
  currency: Currency,
  balance: Money,
  creditLimit: Money,
  status: ProjectStatus,
  lastChargedDate: Day.nullable(),
  billingStartDate: Day,
  creditBalance: Money.meta({ description: "the part of `balance` that is what the project's active credit grants have left" }),
}).meta({ id: 'Project' });
export type Project = z.infer<typeof Project>;

/** docs/api.md: blocked while balance < -creditLimit. */
export function statusFor(balance: Money, creditLimit: Money): ProjectStatus {
  return balance < -creditLimit ? 'blocked' : 'active';
}

/**
 * What may still be spent before the project blocks: balance + creditLimit. Both are safe integers,
 * their sum may not be; past 2^53 - 1 it is capped there, an amount no call or message reaches, so
 * the answer is the same as with the exact sum and never an error.
 */
export function spendableBudget(balance: Money, creditLimit: Money): Money {
  return Math.min(balance + creditLimit, Number.MAX_SAFE_INTEGER);
}

/** What the charged-day rule needs of a project. */
export interface ChargedDays {
  billingStartDate: string;
  /** The last day charged; billingStartDate - 1 before the first charge. */
  chargedThrough: string;
}

/** True when `day` is already charged: on or before chargedThrough, once billing started. */
export function isDayCharged(project: ChargedDays, day: string): boolean {
  return project.chargedThrough >= project.billingStartDate && day <= project.chargedThrough;
}

/** The API's 409 for a change into a day already charged. */
export class DayAlreadyCharged extends Conflict {
  constructor(day: string, chargedThrough: string) {
    super('day_already_charged', `${day} is already charged (charged through ${chargedThrough}); a change can only take effect in a day not yet charged`);
  }
}
