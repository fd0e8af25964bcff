/**
 * A small JSON Schema (2020-12) checker for the keywords the OpenAPI document uses, so a response
 * can be checked against the document itself and not only against the zod schema it was made from.
 * A keyword it does not know is reported as an error rather than skipped: the check never silently
 * becomes weaker than the schema. Not a general validator (no dynamic refs, no unevaluated*).
 */

type Schema = boolean | Record<string, unknown>;

const ANNOTATIONS = new Set(['description', 'example', 'examples', 'title', 'default', '$schema', '$defs', 'definitions', '$id', 'id', 'deprecated', 'readOnly', 'writeOnly', 'format', '$comment']);
const ASSERTIONS = new Set([
  'type', 'enum', 'const', 'properties', 'required', 'additionalProperties', 'items', 'prefixItems', 'anyOf', 'oneOf', 'allOf', 'not',
  'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'minLength', 'maxLength', 'pattern', 'minItems', 'maxItems', '$ref', 'propertyNames',
]);

const DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/;
const DATE_TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})$/i;

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  return typeof v;
}

function typeMatches(v: unknown, t: string): boolean {
  switch (t) {
    case 'integer': return typeof v === 'number' && Number.isInteger(v);
    case 'number': return typeof v === 'number' && Number.isFinite(v);
    default: return typeOf(v) === t;
  }
}

/** Resolves a local JSON pointer (`#/$defs/X`) against `root`. */
export function resolvePointer(root: unknown, ref: string): unknown {
  if (!ref.startsWith('#')) return undefined;
  let cur: unknown = root;
  for (const raw of ref.slice(1).split('/').slice(1)) {
    const part = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (!cur || typeof cur !== 'object') return undefined;
    cur = (cur as Record<string, unknown>)[part];
  }
  return cur;
}

/**
 * Errors of `value` against `schema` ([] when valid). `$ref`s are resolved against `root` (the
 * schema resource they appear in).
 */
export function validate(schema: Schema, value: unknown, root: unknown = schema, at = '$'): string[] {
  if (schema === true) return [];
  if (schema === false) return [`${at}: no value is allowed here`];
  const errors: string[] = [];
  const s = schema;
  for (const k of Object.keys(s)) if (!ANNOTATIONS.has(k) && !ASSERTIONS.has(k)) errors.push(`${at}: unsupported keyword ${k}`);
  if (typeof s.$ref === 'string') {
    const target = resolvePointer(root, s.$ref);
    if (target === undefined) errors.push(`${at}: unresolvable $ref ${s.$ref}`);
    else errors.push(...validate(target as Schema, value, root, at));
  }
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => typeMatches(value, t))) return [...errors, `${at}: ${typeOf(value)} is not ${types.join('|')}`];
  }
  if (s.enum !== undefined && !(s.enum as unknown[]).some((e) => JSON.stringify(e) === JSON.stringify(value))) errors.push(`${at}: ${JSON.stringify(value)} not in enum`);
  if ('const' in s && JSON.stringify(s.const) !== JSON.stringify(value)) errors.push(`${at}: not the const ${JSON.stringify(s.const)}`);
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${at}: ${value} < minimum ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${at}: ${value} > maximum ${s.maximum}`);
    if (typeof s.exclusiveMinimum === 'number' && value <= s.exclusiveMinimum) errors.push(`${at}: ${value} <= exclusiveMinimum ${s.exclusiveMinimum}`);
    if (typeof s.exclusiveMaximum === 'number' && value >= s.exclusiveMaximum) errors.push(`${at}: ${value} >= exclusiveMaximum ${s.exclusiveMaximum}`);
    if (typeof s.multipleOf === 'number' && !Number.isInteger(value / s.multipleOf)) errors.push(`${at}: not a multiple of ${s.multipleOf}`);
  }
  if (typeof value === 'string') {
    const len = [...value].length;
    if (typeof s.minLength === 'number' && len < s.minLength) errors.push(`${at}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && len > s.maxLength) errors.push(`${at}: longer than ${s.maxLength}`);
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern, 'u').test(value)) errors.push(`${at}: does not match ${s.pattern}`);
    if (s.format === 'date' && !DATE.test(value)) errors.push(`${at}: ${value} is not a date`);
    if (s.format === 'date-time' && !DATE_TIME.test(value)) errors.push(`${at}: ${value} is not a date-time`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${at}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${at}: more than ${s.maxItems} items`);
    const prefix = (s.prefixItems as Schema[] | undefined) ?? [];
    value.forEach((item, i) => {
      if (i < prefix.length) errors.push(...validate(prefix[i]!, item, root, `${at}[${i}]`));
      else if (s.items !== undefined) errors.push(...validate(s.items as Schema, item, root, `${at}[${i}]`));
    });
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const obj = value as Record<string, unknown>;
    const props = (s.properties as Record<string, Schema> | undefined) ?? {};
    for (const r of (s.required as string[] | undefined) ?? []) if (!(r in obj)) errors.push(`${at}: missing ${r}`);
    for (const [k, v] of Object.entries(obj)) {
      if (k in props) errors.push(...validate(props[k]!, v, root, `${at}.${k}`));
      else if (s.additionalProperties !== undefined) errors.push(...validate(s.additionalProperties as Schema, v, root, `${at}.${k}`));
      if (s.propertyNames !== undefined) errors.push(...validate(s.propertyNames as Schema, k, root, `${at}[key ${k}]`));
    }
  }
  if (Array.isArray(s.allOf)) for (const sub of s.allOf as Schema[]) errors.push(...validate(sub, value, root, at));
  if (Array.isArray(s.anyOf) && !(s.anyOf as Schema[]).some((sub) => validate(sub, value, root, at).length === 0)) errors.push(`${at}: matches no anyOf branch`);
  if (Array.isArray(s.oneOf) && (s.oneOf as Schema[]).filter((sub) => validate(sub, value, root, at).length === 0).length !== 1) errors.push(`${at}: does not match exactly one oneOf branch`);
  if (s.not !== undefined && validate(s.not as Schema, value, root, at).length === 0) errors.push(`${at}: matches a not`);
  return errors;
}

/** Every `$ref` in `node` with the JSON path where it appears. */
export function refsIn(node: unknown, path = '#'): { path: string; ref: string }[] {
  if (Array.isArray(node)) return node.flatMap((v, i) => refsIn(v, `${path}/${i}`));
  if (!node || typeof node !== 'object') return [];
  const out: { path: string; ref: string }[] = [];
  for (const [k, v] of Object.entries(node)) {
    if (k === '$ref' && typeof v === 'string') out.push({ path, ref: v });
    else out.push(...refsIn(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`));
  }
  return out;
}
