/**
 * The deployment-wide billing settings (CDK context `billingTimeZone` and `currency`), validated once
 * at synth so a typo fails the build instead of charging the wrong day in production.
 */

/** What every function and the nightly schedule are configured with. */
export interface BillingSettings {
  /** IANA zone whose calendar days are the billing days, e.g. `Europe/Kyiv`. */
  readonly billingTimeZone: string;
  /** ISO 4217 code of the one currency balances are kept in, e.g. `UAH`. */
  readonly currency: string;
}

export const DEFAULT_BILLING_SETTINGS: BillingSettings = { billingTimeZone: 'Europe/Kyiv', currency: 'UAH' };

/** Thrown at synth for a billing time zone or currency that cannot be deployed. */
export class InvalidBillingSetting extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'InvalidBillingSetting';
  }
}

/**
 * Checks an IANA zone name. Offsets (`+02:00`) and abbreviations are refused: EventBridge Scheduler
 * takes zone names only, and a fixed offset would ignore DST, so days would be charged at 23:05 half the year.
 */
export function validateTimeZone(zone: unknown): string {
  if (typeof zone !== 'string' || !/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(zone)) {
    throw new InvalidBillingSetting(`billingTimeZone must be an IANA time zone name like "Europe/Kyiv", got ${JSON.stringify(zone)}`);
  }
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
  } catch {
    throw new InvalidBillingSetting(`billingTimeZone "${zone}" is not a known IANA time zone`);
  }
  return zone;
}

/** Checks an ISO 4217 currency code against the runtime's list (UAH, EUR, USD, ...). */
export function validateCurrency(code: unknown): string {
  if (typeof code !== 'string' || !/^[A-Z]{3}$/.test(code) || !Intl.supportedValuesOf('currency').includes(code)) {
    throw new InvalidBillingSetting(`currency must be an ISO 4217 code like "UAH", got ${JSON.stringify(code)}`);
  }
  return code;
}

/** Validates raw values (context or props), falling back to the defaults for missing ones. */
export function resolveBillingSettings(raw: { billingTimeZone?: unknown; currency?: unknown }): BillingSettings {
  return {
    billingTimeZone: validateTimeZone(raw.billingTimeZone ?? DEFAULT_BILLING_SETTINGS.billingTimeZone),
    currency: validateCurrency(raw.currency ?? DEFAULT_BILLING_SETTINGS.currency),
  };
}
