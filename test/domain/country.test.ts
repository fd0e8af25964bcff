import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import minMetadata from 'libphonenumber-js/metadata.min.json';
import { describe, expect, it } from 'vitest';
import { countryOf } from '../../shared/domain/country';
import { COUNTRY_METADATA_FILE, countryTable, type MinMetadata } from '../../scripts/country-metadata';

/** The answer paygo gave while it bundled the library (its `min` build, the whole metadata). */
const library = (d: string) => parsePhoneNumberFromString(d)?.country ?? 'ZZ';
const TABLE = countryTable(minMetadata as unknown as MinMetadata);
const CODES = [...Object.keys(minMetadata.country_calling_codes), ...Object.keys(minMetadata.nonGeographic)];
const SHARED = Object.entries(TABLE.codes).filter(([, countries]) => countries.length > 1);
const digits = (min: number, max: number) => fc.stringMatching(new RegExp(`^\\d{${min},${max}}$`));

describe('countryOf', () => {
  it('tells shared calling codes apart and answers ZZ for numbers of no country', () => {
    expect(['+380441234567', '+12125551234', '+14165551234', '+18765551234', '+79161234567', '+77011234567', '+447911123456', '+442079460000', '+4930123456', '+80012345678', '+999123'].map(countryOf))
      .toEqual(['UA', 'US', 'CA', 'JM', 'RU', 'KZ', 'GG', 'GB', 'DE', 'ZZ', 'ZZ']);
    // The rarer plans: leading digits of 5, a national number's type, a national prefix after the code.
    expect(['+447624123456', '+447797123456', '+358181234567', '+390669812345', '+61891621234', '+590590271234', '+5997151234', '+2908123', '+262269612345', '+112125551234'].map(countryOf))
      .toEqual(['IM', 'JE', 'AX', 'VA', 'CC', 'BL', 'BQ', 'TA', 'YT', 'US']);
  });

  it('answers as the library does for any + and 1 to 15 digits', () => {
    fc.assert(fc.property(digits(1, 15), (rest) => {
      const d = `+${rest}`;
      expect(countryOf(d), d).toBe(library(d));
    }), { numRuns: 10_000 });
  });

  it('answers as the library does under every calling code, geographic or not, at every E.164 length', () => {
    fc.assert(fc.property(fc.constantFrom(...CODES), digits(0, 14), (code, rest) => {
      const d = `+${code}${rest}`.slice(0, 16);
      expect(countryOf(d), d).toBe(library(d));
    }), { numRuns: 20_000 });
  });

  it('answers as the library does for every 3-digit start of a national number under a shared calling code, at every length', () => {
    // The codes whose country depends on the national number, swept rather than sampled: +1, +7, +44...
    const differing: string[] = [];
    for (const [code] of SHARED) {
      for (let start = 0; start < 1000; start++) {
        const lead = String(start).padStart(3, '0');
        for (let length = 1; length <= 15 - code.length; length++) {
          const d = `+${code}${`${lead}55512340987654`.slice(0, length)}`;
          if (countryOf(d) !== library(d)) differing.push(d);
        }
      }
    }
    expect(differing).toEqual([]);
  });

  it('answers as the library does for numbers made from the shared codes\' own patterns, with and without a national prefix', () => {
    // Random digits rarely hit a 5-digit leading pattern (the Isle of Man's 74576) or a type pattern
    // exactly: these numbers are drawn from the patterns themselves, then cut or lengthened.
    const sources = SHARED.flatMap(([code, countries]) => countries.flatMap((country) => {
      const p = TABLE.plans[country]!;
      return [p.leading && `(?:${p.leading})\\d{0,10}`, p.national, ...(p.types ?? []).map(([pattern]) => pattern)]
        .filter((s): s is string => !!s).map((pattern) => ({ code, pattern }));
    }));
    const numbers = fc.constantFrom(...sources).chain(({ code, pattern }) => fc.record({
      code: fc.constant(code),
      national: fc.stringMatching(new RegExp(`^(?:${pattern})$`)),
      prefix: fc.constantFrom('', '', '0', '1', '8', '180020'),
      cut: fc.integer({ min: -3, max: 0 }),
      extra: digits(0, 2),
    }));
    fc.assert(fc.property(numbers, ({ code, national, prefix, cut, extra }) => {
      const rest = prefix + (cut < 0 ? national.slice(0, cut) : national) + extra;
      const d = `+${code}${rest}`.slice(0, 16);
      expect(countryOf(d), d).toBe(library(d));
    }), { numRuns: 5_000 });
  });

  it('reads the table scripts/country-metadata.ts makes from the installed library', () => {
    expect(JSON.parse(readFileSync(COUNTRY_METADATA_FILE, 'utf8'))).toEqual(TABLE);
  });
});
