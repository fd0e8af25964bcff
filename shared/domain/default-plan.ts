/**
 * The prices a deployment starts with: version 1 of plan `standard`, in force from 2000-01-01
 * (docs/api.md "Plans and versions"), UAH prices in kopecks, Ukrainian and a few international
 * destinations. It is seed data: written to the Plans table when a deployment (or the twin) first
 * starts and never overwritten; from then on prices are data. Parsed with the same schema as any
 * version at module load, so a typo here fails every test at once.
 */
import { ValidationFailed } from './errors';
import { FIRST_DAY, PlanVersion } from './plan';

type CallRow = readonly [prefix: string, perMinute: number, connectFee: number, initialSec: number, incrementSec: number];

// Mobile operators share one rate per operator; the 380 fallback catches other Ukrainian numbers.
const VODAFONE = ['38050', '38066', '38095', '38099'];
const KYIVSTAR = ['38067', '38068', '38096', '38097', '38098'];
const LIFECELL = ['38063', '38073', '38093'];

//                      perMinute connectFee initialSec incrementSec (kopecks, seconds)
const CALLS: readonly CallRow[] = [
  ['380', 180, 0, 60, 60], //          other Ukrainian numbers: per started minute
  ['38044', 60, 0, 1, 1], //           Kyiv landlines: per second
  ...VODAFONE.map((p): CallRow => [p, 150, 0, 30, 6]),
  ...KYIVSTAR.map((p): CallRow => [p, 150, 0, 30, 6]),
  ...LIFECELL.map((p): CallRow => [p, 140, 0, 60, 60]),
  ['1', 300, 50, 30, 6], //            USA and Canada
  ['44', 450, 100, 60, 60], //         United Kingdom
  ['48', 400, 50, 30, 6], //           Poland
  ['49', 500, 100, 60, 60], //         Germany
];

const SMS: readonly (readonly [prefix: string, perSegment: number])[] = [
  ['380', 150],
  ...VODAFONE.map((p) => [p, 120] as const),
  ...KYIVSTAR.map((p) => [p, 120] as const),
  ...LIFECELL.map((p) => [p, 110] as const),
  ['1', 250],
  ['44', 300],
  ['48', 280],
  ['49', 320],
];

function deepFreeze<T>(value: T): T {
  if (value !== null && typeof value === 'object' && !Object.isFrozen(value)) {
    for (const v of Object.values(value)) deepFreeze(v);
    Object.freeze(value);
  }
  return value;
}

export const STANDARD_PLAN_ID = 'standard';

/**
 * Version 1 of plan `standard`, validated and deeply frozen: it is shared by every test and request of
 * a warm function, so code that tried to edit it in place would throw instead of changing prices.
 */
export const DEFAULT_PLAN: PlanVersion = deepFreeze(PlanVersion.parse({
  planId: STANDARD_PLAN_ID,
  name: 'Standard',
  version: 1,
  effectiveFrom: FIRST_DAY,
  currency: 'UAH',
  products: [
    {
      productId: 'telephony', name: 'Business telephony', monthlyPrice: 49_900, includedSeats: 3, extraSeatMonthlyPrice: 9_900,
      included: ['3 seats', 'the app for calls and CRM'],
    },
    { productId: 'calltracking', name: 'Call tracking', monthlyPrice: 79_900 },
    { productId: 'callback', name: 'Callback widget', monthlyPrice: 29_900 },
    {
      productId: 'analytics', name: 'Analytics', monthlyPrice: 39_900,
      includedSessions: 7_000, extraSessionsBlock: 1_000, extraSessionsBlockMonthlyPrice: 4_900,
      included: ['7,000 sessions per 30 days'],
    },
  ],
  numbers: { local: 15_000, mobile: 20_000, tollfree: 50_000 },
  multiProductDiscounts: [{ minProducts: 2, percent: 5 }, { minProducts: 3, percent: 10 }],
  // Ukraine's standard VAT rate; prices above include it.
  vatPercent: 20,
  tariff: {
    calls: CALLS.map(([prefix, perMinute, connectFee, initialSec, incrementSec]) => ({ prefix, perMinute, connectFee, initialSec, incrementSec })),
    sms: SMS.map(([prefix, perSegment]) => ({ prefix, perSegment })),
  },
}));

/** The default version labelled with `currency` (ISO 4217), prices unchanged: a deployment's seed. */
export function defaultPlanIn(currency: string): PlanVersion {
  if (!/^[A-Z]{3}$/.test(currency)) throw new ValidationFailed(`currency must be an ISO 4217 code such as UAH, got ${currency}`);
  return currency === DEFAULT_PLAN.currency ? DEFAULT_PLAN : deepFreeze({ ...structuredClone(DEFAULT_PLAN), currency });
}
