import fc from 'fast-check';
import { readFileSync } from 'node:fs';
import { parsePhoneNumberFromString } from 'libphonenumber-js/min';
import minMetadata from 'libphonenumber-js/metadata.min.json';
import { describe, expect, it } from 'vitest';
import { countryOf } from '../../shared/domain/country';
import { COUNTRY_METADATA_FILE, countryMetadata } from '../../scripts/country-metadata';

const library = (d: string) => parsePhoneNumberFromString(d)?.country ?? 'ZZ';
const CODES = Object.keys(minMetadata.country_calling_codes);

describe('countryOf', () => {
  it('tells shared calling codes apart and answers ZZ for numbers of no country', () => {
    expect(['+380441234567', '+12125551234', '+14165551234', '+18765551234', '+79161234567', '+77011234567', '+447911123456', '+442079460000', '+4930123456', '+80012345678', '+999123'].map(countryOf))
      .toEqual(['UA', 'US', 'CA', 'JM', 'RU', 'KZ', 'GG', 'GB', 'DE', 'ZZ', 'ZZ']);
  });

  it('answers as the library does with its whole min metadata, for numbers under every calling code', () => {
    fc.assert(fc.property(fc.constantFrom(...CODES), fc.stringMatching(/^\d{4,12}$/), (code, rest) => {
      const d = `+${code}${rest}`;
      expect(countryOf(d), d).toBe(library(d));
    }), { numRuns: 20_000 });
  });

  it('reads the metadata scripts/country-metadata.ts makes from the installed library', () => {
    expect(JSON.parse(readFileSync(COUNTRY_METADATA_FILE, 'utf8'))).toEqual(countryMetadata(minMetadata as never));
  });
});
