/**
 * The country of a destination number (the usage report's `country`): ISO 3166-1 alpha-2 as
 * libphonenumber-js answers it from Google's libphonenumber metadata, kept current by its maintainer,
 * so shared calling codes (+1: the US, Canada and the Caribbean; +44: the UK, Guernsey, Jersey, the
 * Isle of Man; +7: Russia and Kazakhstan) are told apart by their numbering plans, not by a table of
 * ours. The library itself is not bundled: its parse, for a `+` and digits, is the few steps below
 * (libphonenumber-js es6/parse.js and its helpers), run on the part of its `min` metadata they read,
 * written by scripts/country-metadata.ts. test/domain/country.test.ts checks both against the
 * library over many numbers; a libphonenumber-js upgrade regenerates the table and reruns that test.
 * Looked up once, when the event is accepted (ingest-usage.ts), and stored with it.
 */
import table from './country-metadata.json';

/** What the lookup reads of one country sharing its calling code (written by scripts/country-metadata.ts). */
export interface SharedPlan {
  /** Possible lengths of a national number. */
  lengths: number[];
  /** Leading digits that alone tell this country (a pattern matched at the start). */
  leading?: string;
  /** The national number pattern (the main country's, and that of a country without leading digits). */
  national?: string;
  /** Number-type patterns with their possible lengths (a country without leading digits). */
  types?: [pattern: string, lengths: number[]][];
  /** The main country's national prefix for parsing (stripped from international numbers too) and its transform. */
  prefix?: string;
  transform?: string;
}

const CODES = new Map<string, string[]>(Object.entries(table.codes));
const PLANS = new Map<string, SharedPlan>(Object.entries(table.plans as unknown as Record<string, SharedPlan>));
/** The library's bounds of a national number (MIN_LENGTH_FOR_NSN, MAX_LENGTH_FOR_NSN). */
const MIN_NATIONAL = 2, MAX_NATIONAL = 17;
/** What the lookup is exact for: what paygo accepts as a destination, and more (any 1 to 15 digits). */
const E164_DIGITS = /^\+\d{1,15}$/;

/** ISO 3166-1 alpha-2 of the number's country; "ZZ" when it belongs to none (+800, +882, unassigned) or is not +E.164. */
export function countryOf(destination: string): string {
  if (!E164_DIGITS.test(destination) || destination[1] === '0') return 'ZZ';
  const digits = destination.slice(1);
  // Calling codes are 1 to 3 digits and none is another's prefix: the first that matches is the one.
  for (let n = 1; n <= 3 && n <= digits.length; n++) {
    const countries = CODES.get(digits.slice(0, n));
    if (countries) return countryUnder(countries, digits.slice(n)) ?? 'ZZ';
  }
  return 'ZZ';
}

function countryUnder(countries: string[], rest: string): string | undefined {
  // Alone on its code, a country is the answer for any national number the library parses (the
  // script checks a national prefix cannot take it out of 2..17 digits).
  if (countries.length === 1) return rest.length >= MIN_NATIONAL ? countries[0] : undefined;
  const national = nationalNumber(countries, rest);
  if (national.length < MIN_NATIONAL || national.length > MAX_NATIONAL) return undefined;
  return countryByNationalNumber(countries, national);
}

/**
 * The library strips the main country's national prefix even after a calling code (+1 1 212... is
 * +1 212...), unless the digits were a whole national number and the rest is not, or the rest is
 * too short (or of no possible length) for the country it then points to (extractNationalNumber.js).
 */
function nationalNumber(countries: string[], rest: string): string {
  const main = plan(countries[0]!);
  const stripped = withoutNationalPrefix(rest, main);
  if (stripped === rest) return rest;
  if (whole(rest, main.national!) && !whole(stripped, main.national!)) return rest;
  const country = countryByNationalNumber(countries, stripped);
  return possibleLength(stripped.length, plan(country ?? countries[0]!).lengths) ? stripped : rest;
}

/** extractNationalNumberFromPossiblyIncompleteNumber.js, carrier codes aside. */
function withoutNationalPrefix(digits: string, main: SharedPlan): string {
  if (!digits || !main.prefix) return digits;
  const pattern = compiled(`^(?:${main.prefix})`);
  const match = pattern.exec(digits);
  if (!match) return digits;
  const last = match.length - 1;
  if (main.transform && last > 0 && match[last]) return digits.replace(pattern, main.transform);
  return digits.slice(match[0].length);
}

/** getCountryByNationalNumber.js: the first country whose leading digits, or else any number type, match. */
function countryByNationalNumber(countries: string[], national: string): string | undefined {
  return countries.find((country) => {
    const p = plan(country);
    if (p.leading) return national !== '' && compiled(`^(?:${p.leading})`).test(national);
    return whole(national, p.national!) && (p.types ?? []).some(([pattern, lengths]) => lengths.includes(national.length) && whole(national, pattern));
  });
}

/** checkNumberLength.js: neither too short nor of a length between the possible ones (too long passes). */
function possibleLength(length: number, lengths: number[]): boolean {
  return lengths.includes(length) || length > lengths[lengths.length - 1]!;
}

function plan(country: string): SharedPlan {
  const p = PLANS.get(country);
  if (!p) throw new Error(`no numbering plan for ${country} in country-metadata.json`);
  return p;
}

const regexps = new Map<string, RegExp>();
/** Each pattern compiled once per cold start (the library compiles them on every call). */
function compiled(source: string): RegExp {
  let r = regexps.get(source);
  if (!r) regexps.set(source, (r = new RegExp(source)));
  return r;
}

/** matchesEntirely.js */
function whole(digits: string, pattern: string): boolean {
  return compiled(`^(?:${pattern})$`).test(digits);
}
