/**
 * Names are data (docs/api.md "What no input may do"). A name a client chooses (a number type, a
 * product id, a plan id, a tag key, a query field) is looked up as an own key only: `obj[name]` on a
 * plain object finds what the language provides (`constructor`, `__proto__`, `toString`), and a price
 * that turns out to be a function stops a night. The names of `Object.prototype` are also refused as
 * ids outright, so no stored record can ever carry one as a key.
 */

/** Every name `Object.prototype` provides (`constructor`, `__proto__`, `toString`, ...). */
export const LANGUAGE_NAMES: ReadonlySet<string> = new Set(Object.getOwnPropertyNames(Object.prototype));

/** True when `name` is one the language provides on every object. */
export function isLanguageName(name: string): boolean {
  return LANGUAGE_NAMES.has(name);
}

/** The value `record` holds as its own key `name`, or undefined (never an inherited one). */
export function ownValue<V>(record: Readonly<Record<string, V>> | undefined, name: string): V | undefined {
  return record !== undefined && Object.hasOwn(record, name) ? record[name] : undefined;
}

/** True when `record` has `name` as an own key. */
export function hasOwnName(record: object | undefined, name: string): boolean {
  return record !== undefined && Object.hasOwn(record, name);
}
