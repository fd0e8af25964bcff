/**
 * `npx tsx scripts/country-metadata.ts` writes shared/domain/country-metadata.json: from
 * libphonenumber-js's own `min` metadata, only what telling a number's country reads, for the lookup
 * in shared/domain/country.ts (the one function that looks countries up, POST /usage, then carries
 * about 10 KB of data and no library code instead of 38 KB of code and 29 KB of metadata):
 *   - every geographic calling code with its countries, main country first (as the library keeps them);
 *   - for the countries that share a calling code (+1, +7, +44...), what the library's parse reads to
 *     tell them apart: the main country's national number pattern, national prefix for parsing and
 *     its transform rule; each country's possible lengths, and its leading digits or else its
 *     national number pattern and number-type patterns.
 * A country alone on its calling code needs nothing but the code; the checks below make sure that
 * stays true of the installed metadata (else this script fails rather than write a table that lies).
 * Run it after upgrading libphonenumber-js; test/domain/country.test.ts checks the file is this
 * script's output for the installed version and answers as the library's `min` build does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { SharedPlan } from '../shared/domain/country';

/** A country's entry in libphonenumber-js's compressed metadata (version 4): positions, not names. */
type Entry = unknown[];
export interface MinMetadata { version: number; country_calling_codes: Record<string, string[]>; countries: Record<string, Entry>; nonGeographic?: Record<string, Entry> }

export interface CountryTable {
  version: number;
  /** Calling code → its countries, main country first. */
  codes: Record<string, string[]>;
  /** Only the countries that share a calling code. */
  plans: Record<string, SharedPlan>;
}

// Positions in a version-4 country entry (libphonenumber-js es6/metadata.js).
const NATIONAL_PATTERN = 2, LENGTHS = 3, NATIONAL_PREFIX = 5, PREFIX_FOR_PARSING = 7, TRANSFORM = 8, LEADING = 10, TYPES = 11;
/** The library's shortest and longest national numbers (MIN_LENGTH_FOR_NSN, MAX_LENGTH_FOR_NSN); E.164's most digits. */
const MIN_NATIONAL = 2, MAX_NATIONAL = 17, MAX_E164_DIGITS = 15;

const str = (v: unknown): string | undefined => (typeof v === 'string' && v !== '' ? v : undefined);
const lengthsOf = (v: unknown): number[] | undefined => (Array.isArray(v) && v.length > 0 ? (v as number[]) : undefined);

export function countryTable(min: MinMetadata): CountryTable {
  const codes: Record<string, string[]> = {};
  const plans: Record<string, SharedPlan> = {};
  const geographic = Object.keys(min.country_calling_codes);
  const all = [...geographic, ...Object.keys(min.nonGeographic ?? {})];
  // The lookup stops at the first calling code a number starts with and leaves non-geographic codes
  // out (they answer no country either way): that is the library's answer only if no code is
  // another's prefix, as ITU assigns them.
  for (const a of all) for (const b of all) {
    if (a !== b && b.startsWith(a)) throw new Error(`calling code ${a} is a prefix of ${b}`);
  }
  for (const [code, countries] of Object.entries(min.country_calling_codes)) {
    codes[code] = countries;
    if (countries.length === 1) {
      // Alone on its code, a country is the answer whenever the national number is 2 to 17 digits.
      // Unstripped, an E.164 number's is at most 15 digits less the code; stripping a national
      // prefix keeps only a result of a possible length (so ≥ 2 if the shortest is) and lengthens
      // the number by at most the transform's literal digits.
      const e = min.countries[countries[0]!]!;
      const lengths = lengthsOf(e[LENGTHS]);
      if (!lengths || lengths[0]! < MIN_NATIONAL) throw new Error(`${countries[0]}: possible lengths ${JSON.stringify(e[LENGTHS])}`);
      const literal = (str(e[TRANSFORM]) ?? '').replace(/\$\d/g, '').length;
      if (MAX_E164_DIGITS - code.length + literal > MAX_NATIONAL) throw new Error(`${countries[0]}: transform ${String(e[TRANSFORM])} lengthens too much`);
      continue;
    }
    countries.forEach((country, i) => {
      const e = min.countries[country]!;
      const lengths = lengthsOf(e[LENGTHS]);
      if (!lengths) throw new Error(`${country}: no possible lengths`);
      const plan: SharedPlan = { lengths };
      const leading = str(e[LEADING]);
      if (leading) plan.leading = leading;
      if (i === 0 || !leading) {
        const national = str(e[NATIONAL_PATTERN]);
        if (!national) throw new Error(`${country}: no national number pattern`);
        plan.national = national;
      }
      if (!leading) {
        // A type counts only with a pattern; without lengths of its own it takes the country's.
        const types = Array.isArray(e[TYPES]) ? (e[TYPES] as unknown[]) : [];
        plan.types = types.flatMap((t) => {
          const pattern = Array.isArray(t) ? str(t[0]) : undefined;
          return pattern ? [[pattern, lengthsOf((t as unknown[])[1]) ?? lengths] as [string, number[]]] : [];
        });
      }
      if (i === 0) {
        const prefix = str(e[PREFIX_FOR_PARSING]) ?? str(e[NATIONAL_PREFIX]);
        if (prefix) plan.prefix = prefix;
        const transform = str(e[TRANSFORM]);
        if (transform) plan.transform = transform;
      }
      plans[country] = plan;
    });
  }
  return { version: min.version, codes, plans };
}

export const COUNTRY_METADATA_FILE = join(__dirname, '..', 'shared', 'domain', 'country-metadata.json');

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed library's own file
  const min = require('libphonenumber-js/metadata.min.json') as MinMetadata;
  writeFileSync(COUNTRY_METADATA_FILE, JSON.stringify(countryTable(min)));
  console.log(`wrote ${COUNTRY_METADATA_FILE}`);
}
