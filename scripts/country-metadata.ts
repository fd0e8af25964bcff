/**
 * `npx tsx scripts/country-metadata.ts` writes shared/domain/country-metadata.json: libphonenumber-js's
 * own `min` metadata, less what telling a number's country does not use, so the one function that
 * looks countries up (POST /usage) carries 29 KB of it instead of 83 KB:
 *   - every country's formats (how to print numbers: index 4 of a country's entry);
 *   - all but the calling code, IDD prefix, national number pattern and possible lengths of a
 *     country that is alone on its calling code (its country follows from the code; the patterns
 *     that tell apart the countries sharing +1, +7, +44... are kept whole).
 * Run it after upgrading libphonenumber-js; test/domain/country.test.ts checks the file is this
 * script's output for the installed version and answers as the library's `min` build does.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

type Entry = unknown[];
interface Metadata { version: number; country_calling_codes: Record<string, string[]>; countries: Record<string, Entry>; nonGeographic?: Record<string, Entry> }

export function countryMetadata(min: Metadata): Metadata {
  const alone = new Set(Object.values(min.country_calling_codes).filter((c) => c.length === 1).map((c) => c[0]!));
  const countries = Object.fromEntries(Object.entries(min.countries).map(([country, entry]) => {
    const kept = alone.has(country) ? entry.slice(0, 4) : entry.map((v, i) => (i === 4 ? 0 : v));
    return [country, kept];
  }));
  // Non-geographic codes (+800, +808, +870, +881...) have no country: the lookup answers none either way.
  return { version: min.version, country_calling_codes: min.country_calling_codes, countries, nonGeographic: {} };
}

export const COUNTRY_METADATA_FILE = join(__dirname, '..', 'shared', 'domain', 'country-metadata.json');

if (require.main === module) {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the installed library's own file
  const min = require('libphonenumber-js/metadata.min.json') as Metadata;
  writeFileSync(COUNTRY_METADATA_FILE, JSON.stringify(countryMetadata(min)));
  console.log(`wrote ${COUNTRY_METADATA_FILE}`);
}
