/**
 * The country of a destination number (the usage report's `country`): ISO 3166-1 alpha-2 from
 * libphonenumber-js, Google's libphonenumber metadata kept current by its maintainer, so shared
 * calling codes (+1: the US, Canada and the Caribbean; +44: the UK, Guernsey, Jersey, the Isle of
 * Man; +7: Russia and Kazakhstan) are told apart by their numbering plans, not by a table of ours.
 * Its `core` build with the `min` metadata less what this lookup does not use (printing formats;
 * the patterns of a country alone on its calling code): 29 KB instead of 83 KB, written by
 * scripts/country-metadata.ts and checked against the library's `min` build by
 * test/domain/country.test.ts. Looked up once, when the event is accepted (ingest-usage.ts), and
 * stored with it, so only that function carries the library.
 */
import { parsePhoneNumberFromString, type MetadataJson } from 'libphonenumber-js/core';
import metadata from './country-metadata.json';

/** ISO 3166-1 alpha-2 of the number's country; "ZZ" when it belongs to none (+800, +882, unassigned). */
export function countryOf(destination: string): string {
  try {
    return parsePhoneNumberFromString(destination, metadata as unknown as MetadataJson)?.country ?? 'ZZ';
  } catch {
    return 'ZZ';
  }
}
