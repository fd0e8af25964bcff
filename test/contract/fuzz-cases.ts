/**
 * The bad-input table: for every route of ROUTES, requests that must be refused with a 4xx and the
 * error body, changing nothing, and one valid control request (run after them) that proves the cases
 * are near misses of a request the route accepts, not refused for some other reason.
 *
 * Cases are generated from a valid base request and a description of its fields: each field is
 * removed, given the wrong type, and given the bad values of its kind (numbers: negative, zero,
 * fractional, 1e308, 2**53; dates: 2026-02-30, 2026-13-01, 26-1-1; instants without or with an
 * impossible offset; ids: injection-looking strings, path traversal, 10k characters).
 */
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import type { CallOptions, Method } from './api';
import type { World } from './world';

export interface Req extends CallOptions {
  method: Method;
  /** The raw path, parameters already percent-encoded. */
  path: string;
}

export interface FuzzCase {
  name: string;
  req: Req;
  /** The exact status wanted; absent: any 4xx. */
  status?: number;
  /**
   * An open defect (see OPEN_DEFECTS): the case may answer a 5xx until it is fixed; it must still
   * change nothing and leak nothing. Once it answers a 4xx the test says to drop the marker.
   */
  openDefect?: keyof typeof OPEN_DEFECTS;
}

/** Defects found by this table whose fix lies outside test/ and shared/http (reported to the lead). */
export const OPEN_DEFECTS: Record<string, string> = {};

/** The cast plus the state the cases lean on (made by fuzz.test.ts before the first case). */
export interface FuzzWorld extends World {
  /** A key id nobody needs, revoked by the control of DELETE /api-keys/{apiKeyId}. */
  spareKeyId: string;
  /** A payment already recorded into A (amount 1000). */
  seenPaymentId: string;
  /** A number project A holds. */
  heldNumber: string;
  /** A number project B holds (A renting it is a 409 number_taken). */
  takenNumber: string;
  /** The last day charged for A (changes into it or before are 409). */
  chargedThrough: string;
  /** The Idempotency-Key of a project already made (with another body than the base). */
  usedIdempotencyKey: string;
  /** A cursor a real ledger listing of A returned for ?from=2026-03-10&to=2026-03-10&limit=1. */
  cursor: string;
  /** A plan nobody is on (`fuzz-offer`), and a version of `standard` from a later day (deleted by the control). */
  unusedPlanId: string;
  futureVersion: number;
  /** The day another version of `standard` already starts on. */
  takenDay: string;
  /** A webhook of A, and another one the control of DELETE removes. */
  webhookId: string;
  spareWebhookId: string;
  /** An event of A (its first payment), and a cursor a real listing of A's events returned. */
  eventId: string;
  eventsCursor: string;
  /** issue 18: a debited usage event of A (refunded by the control), an adjustment and a grant of A already made, a grant the control voids. */
  refundableEventId: string;
  seenAdjustmentId: string;
  seenGrantId: string;
  spareGrantId: string;
  /** B's outstanding auto top-up (its failure report is the control) and a top-up of B already paid. */
  outstandingTopupId: string;
  paidTopupId: string;
}

export interface RouteFuzz {
  cases(w: FuzzWorld): FuzzCase[];
  /** A valid request: 2xx. */
  control(w: FuzzWorld): Req;
  /** Routes that take no input: junk that must be ignored (2xx, nothing changed). */
  ignored?(w: FuzzWorld): Req[];
}

// ---------------------------------------------------------------- values

const TEN_K = 'x'.repeat(10_000);
/** Strings that look like attacks on a database, a browser or a file system. */
export const INJECTIONS = [
  "'; DROP TABLE projects;--",
  '{"$ne":1}',
  '<script>alert(1)</script>',
  '../../etc/passwd',
  '..\\..\\windows\\win.ini',
  '${jndi:ldap://x/a}',
  'a\u0000b',
  TEN_K,
] as const;

const WRONG_TYPES: readonly unknown[] = [null, true, [], {}];

/**
 * The names every JavaScript object provides (issue 19 §1): as a number type, a product or plan id,
 * a path segment or a query field they must be simply unknown (4xx), never found on a prototype.
 */
export const LANGUAGE_NAMES = ['constructor', '__proto__', 'toString', 'hasOwnProperty', 'valueOf'] as const;

type Kind =
  | { kind: 'id' }
  | { kind: 'posInt'; max?: number }
  | { kind: 'int'; min: number; max: number }
  | { kind: 'date' }
  | { kind: 'instant' }
  | { kind: 'e164' }
  | { kind: 'enum'; values: readonly string[] }
  | { kind: 'bool' }
  | { kind: 'text'; max: number }
  | { kind: 'currency' }
  /** A slug (plan, product): any lowercase name is a valid one, so only malformed ones are bad. */
  | { kind: 'slug'; max: number }
  /** An ISO code where any code is valid (a new plan's own currency). */
  | { kind: 'isoCode' };

interface Field { path: string; type: Kind; required: boolean; /** null is a valid value (it turns the field off). */ nullable?: boolean }

const BAD_DATES: readonly unknown[] = ['2026-02-30', '2026-13-01', '26-1-1', '2026-1-1', '2026/03/01', '2025-02-29', '2026-03-01T00:00:00+02:00', '', 'yesterday', 20260301, '2026-03-01\n'];
const BAD_INSTANTS: readonly unknown[] = [
  '2026-02-30T10:00:00+02:00', // no such day
  '2026-03-10T25:00:00+02:00', // no such hour
  '2026-03-10T10:00:00', // no time zone
  '2026-03-10T10:00:00+25:00', // no such offset
  '2026-03-10T10:00:00 Europe/Kyiv',
  '2026-03-10T10:00:00[Europe/Kyiv]',
  '2026-03-10 10:00:00+02:00',
  '2026-03-10',
  '+275760-09-13T00:00:00Z',
  '9999-12-31T23:59:59Z', // its billing day in Kyiv would be +010000-01-01
  '0000-01-01T00:00:00+14:00', // and this one's -000001-12-31
  'now',
  1773136800000,
];
const BAD_E164: readonly unknown[] = ['0441234567', '+0441234567', '+380', '+3804412345678901', '380441234567', '+380 44 123 45 67', '+38044abc4567', 380441234567, ...INJECTIONS];

function badValues(t: Kind): unknown[] {
  switch (t.kind) {
    case 'id': return ['', 'x'.repeat(129), 'a b', 'проект', 123, { $ne: 1 }, ...INJECTIONS];
    case 'posInt': return [0, -1, 1.5, 1e308, 2 ** 53, ...(t.max !== undefined ? [t.max + 1] : []), '100', -0.5];
    case 'int': return [t.min - 1, 1.5, 1e308, 2 ** 53, -(2 ** 53), t.max + 1, '5'];
    case 'date': return [...BAD_DATES];
    case 'instant': return [...BAD_INSTANTS];
    case 'e164': return [...BAD_E164];
    case 'enum': return ['nope', t.values[0]!.toUpperCase(), '', 1, ` ${t.values[0]}`, ...LANGUAGE_NAMES];
    case 'bool': return ['true', 1, 0, 'yes'];
    case 'text': return ['', '   ', 'x'.repeat(t.max + 1), TEN_K, 123, 'evil\u202Egnp.exe', 'two\r\nlines', 'zero\u200Bwidth'];
    case 'currency': return ['uah', 'UA', 'UAHX', 'USD', 980, 'U$D', 'ZZZ'];
    case 'slug': return ['', 'Nope', 'a b', '-x', '1x', 'x'.repeat(t.max + 1), 1, ...INJECTIONS, ...LANGUAGE_NAMES];
    case 'isoCode': return ['uah', 'UA', 'UAHX', 980, 'U$D', 'ZZZ', 'XXX'];
  }
}

const show = (v: unknown): string => {
  const s = typeof v === 'string' ? JSON.stringify(v) : JSON.stringify(v) ?? String(v);
  return s.length > 40 ? `${s.slice(0, 30)}…(${s.length} chars)` : s;
};

// ---------------------------------------------------------------- generators

const clone = <T>(v: T): T => JSON.parse(JSON.stringify(v)) as T;

/** `obj` with the value at dotted `path` set (or deleted when `value` is DELETE). */
const DELETE = Symbol('delete');
function setAt(obj: unknown, path: string, value: unknown): unknown {
  const out = clone(obj) as Record<string, unknown>;
  const parts = path.split('.');
  let cur: Record<string, unknown> = out;
  for (const p of parts.slice(0, -1)) cur = cur[p] as Record<string, unknown>;
  const last = parts[parts.length - 1]!;
  if (value === DELETE) delete cur[last];
  else cur[last] = value;
  return out;
}

/**
 * Malformed and ill-shaped bodies, oversize bodies (just over `maxBody`: 1 MiB, or a route's own larger
 * limit), unknown fields, and every field's bad values.
 */
export function bodyCases(base: Req, fields: readonly Field[], maxBody = 1_048_576): FuzzCase[] {
  const out: FuzzCase[] = [];
  const raws = ['{', '{"a":1,}', 'not json', "{'a':1}", '{"a":1}{"b":2}', '\u0000', '', '   ', 'null', '[]', '"text"', '42', 'true', '[{}]'];
  for (const raw of raws) out.push({ name: `raw body ${show(raw)}`, req: { ...base, body: undefined, rawBody: raw }, status: 400 });
  // Just over the limit: refused before parsing, whether the JSON is well-formed or not.
  const pad = 'p'.repeat(maxBody + 1);
  out.push({ name: `oversize body (valid JSON, > ${maxBody} bytes)`, req: { ...base, body: { ...(base.body as object), pad } }, status: 413 });
  out.push({ name: `oversize body (garbage, > ${maxBody} bytes)`, req: { ...base, body: undefined, rawBody: `{${pad}` }, status: 413 });
  out.push({ name: 'unknown field', req: { ...base, body: { ...(base.body as object), extra: 1 } }, status: 400 });
  out.push({ name: 'unknown field __proto__', req: { ...base, body: undefined, rawBody: `{"__proto__":{"role":"admin"},${JSON.stringify(base.body).slice(1)}` }, status: 400 });
  out.push({ name: 'unknown field $where', req: { ...base, body: { ...(base.body as object), $where: 'sleep(1000)' } }, status: 400 });
  for (const f of fields) {
    if (f.required) out.push({ name: `${f.path} missing`, req: { ...base, body: setAt(base.body, f.path, DELETE) }, status: 400 });
    const wrongTypes = WRONG_TYPES.filter((v) => !(f.type.kind === 'bool' && typeof v === 'boolean') && !(f.nullable && v === null));
    for (const v of [...wrongTypes, ...badValues(f.type)]) {
      out.push({ name: `${f.path} = ${show(v)}`, req: { ...base, body: setAt(base.body, f.path, v) } });
    }
  }
  return out;
}

/** A path template's parameter replaced by hostile values (the other parameters stay valid). */
export function pathCases(method: Method, template: (v: string) => string, key: string, extra: Partial<Req> = {}, values: readonly string[] = ['prj_missing', '..', '.', ...INJECTIONS, '%', 'a/b', ...LANGUAGE_NAMES]): FuzzCase[] {
  return values.map((v) => ({ name: `path ${show(v)}`, req: { method, path: template(encodeURIComponent(v)), key, ...extra } }));
}

/** Authorization headers that name no valid key: 401 on every route with an authorizer. */
export function authCases(req: Req): FuzzCase[] {
  const headers = [`Bearer ${INJECTIONS[0]}`, 'Bearer {"$ne":1}', 'Bearer <script>alert(1)</script>', `Bearer ${TEN_K}`, 'Basic YWRtaW46YWRtaW4=', 'Bearer', 'bearer pg_x pg_y'];
  return [
    { name: 'no Authorization header', req: { ...req, key: null }, status: 401 },
    ...headers.map((h) => ({ name: `Authorization ${show(h)}`, req: { ...req, key: null, headers: { ...req.headers, authorization: h } }, status: 401 })),
  ];
}

/** Query parameters: each replaced by bad values, unknown ones added. */
export function queryCases(base: Req, params: Record<string, readonly unknown[]>): FuzzCase[] {
  const out: FuzzCase[] = [
    { name: 'unknown query parameter', req: { ...base, query: { ...base.query, projectId: 'prj_other' } }, status: 400 },
    ...LANGUAGE_NAMES.map((n) => ({ name: `query field ${n}`, req: { ...base, query: { ...base.query, [n]: '1' } }, status: 400 })),
  ];
  for (const [name, values] of Object.entries(params)) {
    for (const v of values) out.push({ name: `?${name}=${show(v)}`, req: { ...base, query: { ...base.query, [name]: String(v) } } });
  }
  return out;
}

// ---------------------------------------------------------------- the table

const E = encodeURIComponent;

function usageEvent(w: FuzzWorld, i = 0): Record<string, unknown> {
  return { eventId: `fuzz-ok-${i}`, projectId: w.a.id, kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-03-10T09:00:00+02:00', durationSec: 30 };
}

/** The prices of a version, as a request carries them: the default plan's, unchanged. */
export function pricesBody(): Record<string, unknown> {
  const { products, numbers, multiProductDiscounts, tariff } = DEFAULT_PLAN;
  return JSON.parse(JSON.stringify({ products, numbers, multiProductDiscounts, tariff })) as Record<string, unknown>;
}

const VERSION_FIELDS: readonly Field[] = [
  { path: 'products.0.productId', type: { kind: 'slug', max: 40 }, required: true },
  { path: 'products.0.monthlyPrice', type: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, required: true },
  { path: 'products.0.includedSeats', type: { kind: 'int', min: 0, max: 1_000_000 }, required: false },
  { path: 'numbers.local', type: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, required: false },
  { path: 'multiProductDiscounts.0.percent', type: { kind: 'int', min: 0, max: 100 }, required: true },
  { path: 'tariff.calls.0.perMinute', type: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, required: true },
  { path: 'tariff.calls.0.incrementSec', type: { kind: 'posInt', max: 3600 }, required: true },
  { path: 'tariff.sms.0.perSegment', type: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, required: true },
];

/** Version bodies the rules refuse: what a version may not drop, repeat or mix up. */
function versionRuleCases(base: Req): FuzzCase[] {
  const prices = base.body as Record<string, unknown> & ReturnType<typeof pricesBody>;
  const withPrices = (change: (p: ReturnType<typeof pricesBody> & Record<string, unknown>) => void, name: string, status = 400): FuzzCase => {
    const body = JSON.parse(JSON.stringify(prices)) as ReturnType<typeof pricesBody> & Record<string, unknown>;
    change(body);
    return { name, req: { ...base, body }, status };
  };
  type P = { productId: string; [k: string]: unknown };
  return [
    withPrices((b) => { (b.products as P[]).push({ ...(b.products as P[])[1]! }); }, 'a product listed twice'),
    withPrices((b) => { (b.tariff as { calls: unknown[] }).calls.push((b.tariff as { calls: unknown[] }).calls[0]); }, 'a call prefix listed twice'),
    withPrices((b) => { delete (b.products as P[])[0]!.extraSeatMonthlyPrice; }, 'seats priced by half'),
    withPrices((b) => { (b.products as P[])[1]!.productId = 'Call Tracking'; }, 'a productId that is no slug'),
    withPrices((b) => { (b.numbers as Record<string, unknown>)['toll free'] = 1; }, 'a number type that is no slug'),
    ...LANGUAGE_NAMES.map((n) => withPrices((b) => { Object.defineProperty(b.numbers, n, { value: 1, enumerable: true, configurable: true, writable: true }); }, `number type ${n}`)),
    ...LANGUAGE_NAMES.map((n) => withPrices((b) => { (b.products as P[]).push({ ...(b.products as P[])[1]!, productId: n }); }, `product ${n}`)),
    withPrices((b) => { (b.products as P[])[1]!.name = 'evil\u202Egnp.exe'; }, 'a product name with a right-to-left override'),
    withPrices((b) => { (b.products as P[])[1]!.name = 'two\r\nlines'; }, 'a product name with CR LF'),
    withPrices((b) => { b.products = []; }, 'no products'),
    withPrices((b) => { (b.tariff as { sms: unknown[] }).sms = []; }, 'no sms rates'),
    withPrices((b) => { (b.products as P[])[2]!.included = Array.from({ length: 21 }, (_, i) => `item ${i}`); }, 'more than 20 included lines'),
  ];
}

export const FUZZ: Record<string, RouteFuzz> = {
  'GET /health': {
    cases: () => [],
    control: () => ({ method: 'GET', path: '/health' }),
    ignored: (w) => [
      { method: 'GET', path: '/health', query: { q: INJECTIONS[0], limit: 'abc' }, rawBody: '{', key: w.unknown },
      { method: 'GET', path: '/health', headers: { authorization: `Bearer ${TEN_K}` }, rawBody: 'x'.repeat(1_100_000) },
    ],
  },
  'GET /openapi.json': {
    cases: () => [],
    control: () => ({ method: 'GET', path: '/openapi.json' }),
    ignored: (w) => [{ method: 'GET', path: '/openapi.json', query: { '../../etc/passwd': '1' }, rawBody: 'not json', key: w.revoked }],
  },
  'GET /catalog': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: '/catalog', key: w.admin, query: { date: '2026-03-10' } };
      return [...authCases(base), ...queryCases(base, { date: BAD_DATES.filter((v) => typeof v === 'string') })];
    },
    control: (w) => ({ method: 'GET', path: '/catalog', key: w.admin, query: { date: '2026-03-10' } }),
    ignored: (w) => [{ method: 'GET', path: '/catalog', key: w.admin, rawBody: '{' }],
  },
  'GET /plans': {
    cases: (w) => authCases({ method: 'GET', path: '/plans', key: w.admin }),
    control: (w) => ({ method: 'GET', path: '/plans', key: w.admin }),
    ignored: (w) => [{ method: 'GET', path: '/plans', key: w.admin, query: { planId: INJECTIONS[1] }, rawBody: '{' }],
  },
  'GET /plans/{planId}': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: '/plans/standard', key: w.admin, query: { date: '2026-03-10' } };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/plans/${v}`, w.admin, {}, ['gold', 'Standard', '..', ...INJECTIONS, '%']),
        ...queryCases(base, { date: BAD_DATES.filter((v) => typeof v === 'string') }),
        { name: 'a day before any version', req: { ...base, query: { date: '1999-12-31' } }, status: 404 },
        // A project key sees only a plan its project is on; this one exists, but not for it.
        { name: 'a plan its project is not on, with a project key', req: { ...base, path: `/plans/${w.unusedPlanId}`, key: w.a.key }, status: 404 },
      ];
    },
    control: (w) => ({ method: 'GET', path: '/plans/standard', key: w.a.key, query: { date: '2026-03-10' } }),
  },
  'POST /plans': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: '/plans', key: w.admin, body: { planId: 'fuzz-control', name: 'Fuzz control', currency: 'UAH', ...pricesBody() } };
      return [
        ...authCases(base),
        ...bodyCases(base, [
          { path: 'planId', type: { kind: 'slug', max: 40 }, required: true },
          { path: 'name', type: { kind: 'text', max: 200 }, required: true },
          { path: 'currency', type: { kind: 'isoCode' }, required: true },
          ...VERSION_FIELDS,
        ], 6_000_000),
        ...versionRuleCases(base),
        { name: 'a plan that exists', req: { ...base, body: { ...(base.body as object), planId: 'standard' } }, status: 409 },
        { name: 'a version number given', req: { ...base, body: { ...(base.body as object), version: 2 } }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'POST', path: '/plans', key: w.admin, body: { planId: 'fuzz-control', name: 'Fuzz control', currency: 'UAH', ...pricesBody() } }),
  },
  'POST /plans/{planId}/versions': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: '/plans/standard/versions', key: w.admin, body: { effectiveFrom: '2026-04-01', ...pricesBody() } };
      const products = (pricesBody().products as { productId: string }[]);
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/plans/${v}/versions`, w.admin, { body: base.body }, ['gold', 'Standard', '..', ...INJECTIONS, '%']),
        ...bodyCases(base, [{ path: 'effectiveFrom', type: { kind: 'date' }, required: true }, ...VERSION_FIELDS], 6_000_000),
        ...versionRuleCases(base),
        { name: 'effectiveFrom today, on a plan a project is on', req: { ...base, body: { ...(base.body as object), effectiveFrom: '2026-03-10' } }, status: 409 },
        { name: 'effectiveFrom in the past', req: { ...base, body: { ...(base.body as object), effectiveFrom: '2026-03-01' } }, status: 409 },
        { name: 'a day another version starts on', req: { ...base, body: { ...(base.body as object), effectiveFrom: w.takenDay } }, status: 409 },
        { name: 'a product dropped', req: { ...base, body: { ...(base.body as object), products: products.slice(1) } }, status: 400 },
        { name: 'a number type dropped', req: { ...base, body: { ...(base.body as object), numbers: { local: 1, mobile: 1 } } }, status: 400 },
        { name: 'another name', req: { ...base, body: { ...(base.body as object), name: 'Renamed' } }, status: 400 },
        { name: 'another currency', req: { ...base, body: { ...(base.body as object), currency: 'EUR' } }, status: 400 },
        { name: 'a planId in the body', req: { ...base, body: { ...(base.body as object), planId: 'standard' } }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'POST', path: '/plans/standard/versions', key: w.admin, body: { effectiveFrom: '2026-04-01', ...pricesBody() } }),
  },
  'DELETE /plans/{planId}/versions/{version}': {
    cases: (w) => [
      ...authCases({ method: 'DELETE', path: `/plans/standard/versions/${w.futureVersion}`, key: w.admin }),
      ...pathCases('DELETE', (v) => `/plans/${v}/versions/${w.futureVersion}`, w.admin, {}, ['gold', '..', ...INJECTIONS]),
      ...pathCases('DELETE', (v) => `/plans/standard/versions/${v}`, w.admin, {}, ['99', '0', '-1', '1.5', '1e3', 'latest', '..', ...INJECTIONS]),
      { name: 'version 1, in force since 2000', req: { method: 'DELETE', path: '/plans/standard/versions/1', key: w.admin }, status: 409 },
      { name: 'as a project key', req: { method: 'DELETE', path: `/plans/standard/versions/${w.futureVersion}`, key: w.a.key }, status: 403 },
    ],
    control: (w) => ({ method: 'DELETE', path: `/plans/standard/versions/${w.futureVersion}`, key: w.admin }),
  },
  'PUT /projects/{projectId}/plan': {
    cases: (w) => {
      const base: Req = { method: 'PUT', path: `/projects/${w.a.id}/plan`, key: w.admin, body: { planId: w.unusedPlanId, effectiveFrom: '2026-03-12' } };
      return [
        ...authCases(base),
        ...pathCases('PUT', (v) => `/projects/${v}/plan`, w.admin, { body: base.body }),
        ...bodyCases(base, [
          { path: 'planId', type: { kind: 'enum', values: [w.unusedPlanId] }, required: true },
          { path: 'effectiveFrom', type: { kind: 'date' }, required: false },
        ]),
        { name: 'an unknown plan', req: { ...base, body: { planId: 'gold' } }, status: 404 },
        { name: 'effectiveFrom today', req: { ...base, body: { planId: w.unusedPlanId, effectiveFrom: '2026-03-10' } }, status: 409 },
        { name: 'effectiveFrom in a charged day', req: { ...base, body: { planId: w.unusedPlanId, effectiveFrom: w.chargedThrough } }, status: 409 },
        { name: 'a plan in another currency', req: { ...base, body: { planId: 'fuzz-euro' } }, status: 409 },
        { name: 'as a project key', req: { ...base, key: w.a.key }, status: 403 },
      ];
    },
    control: (w) => ({ method: 'PUT', path: `/projects/${w.a.id}/plan`, key: w.admin, body: { planId: w.unusedPlanId, effectiveFrom: '2026-03-12' } }),
  },
  'POST /quote': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: '/quote', key: w.telephony, body: { products: ['telephony', 'analytics'], seats: 5, sessionsPer30Days: 12_000, numbers: { local: 2 } } };
      return [
        ...authCases(base),
        ...bodyCases(base, [
          { path: 'seats', type: { kind: 'int', min: 0, max: 10_000 }, required: false },
          { path: 'sessionsPer30Days', type: { kind: 'int', min: 0, max: 1_000_000_000 }, required: false },
          { path: 'numbers.local', type: { kind: 'int', min: 0, max: 10_000 }, required: false },
        ]),
        ...[[], ['telephony', 'telephony'], ['voicemail'], 'telephony', ['telephony', 'calltracking', 'callback', 'analytics', 'telephony'], [1], [INJECTIONS[0]], null]
          .map((p) => ({ name: `products = ${show(p)}`, req: { ...base, body: { ...(base.body as object), products: p } } })),
        { name: 'products missing', req: { ...base, body: { seats: 5 } }, status: 400 },
        { name: 'numbers.premium (unknown type)', req: { ...base, body: { ...(base.body as object), numbers: { premium: 1 } } }, status: 400 },
        { name: 'an unknown plan', req: { ...base, body: { ...(base.body as object), planId: 'gold' } }, status: 404 },
        ...LANGUAGE_NAMES.flatMap((n) => [
          { name: `numbers.${n}`, req: { ...base, body: undefined, rawBody: `{"products":["telephony"],"numbers":{${JSON.stringify(n)}:1}}` }, status: 400 },
          { name: `products = [${n}]`, req: { ...base, body: { ...(base.body as object), products: [n] } }, status: 400 },
          { name: `planId ${n}`, req: { ...base, body: { ...(base.body as object), planId: n } }, status: 400 },
        ]),
        // A project key sees only plans its project is on: another customer's offer is not found.
        { name: 'a plan its project is not on, with a project key', req: { ...base, key: w.a.key, body: { ...(base.body as object), planId: w.unusedPlanId } }, status: 404 },
        { name: 'a day before any version', req: { ...base, body: { ...(base.body as object), date: '1999-12-31' } }, status: 404 },
        ...BAD_DATES.map((d) => ({ name: `date = ${show(d)}`, req: { ...base, body: { ...(base.body as object), date: d } }, status: 400 })),
        { name: 'numbers = "x"', req: { ...base, body: { ...(base.body as object), numbers: 'x' } } },
      ];
    },
    control: (w) => ({ method: 'POST', path: '/quote', key: w.telephony, body: { products: ['telephony', 'analytics'], seats: 5, sessionsPer30Days: 12_000, numbers: { local: 2 } } }),
  },
  'POST /api-keys': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: '/api-keys', key: w.admin, body: { role: 'project', projectId: w.a.id } };
      return [
        ...authCases(base),
        ...bodyCases(base, [
          { path: 'role', type: { kind: 'enum', values: ['project', 'admin', 'telephony'] }, required: true },
          { path: 'projectId', type: { kind: 'id' }, required: false },
        ]),
        { name: 'project key without projectId', req: { ...base, body: { role: 'project' } }, status: 400 },
        { name: 'project key for an unknown project', req: { ...base, body: { role: 'project', projectId: 'prj_missing' } }, status: 404 },
        { name: 'admin key with a projectId', req: { ...base, body: { role: 'admin', projectId: w.a.id } }, status: 400 },
        { name: 'role root', req: { ...base, body: { role: 'root' } }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'POST', path: '/api-keys', key: w.admin, body: { role: 'project', projectId: w.a.id } }),
  },
  'DELETE /api-keys/{apiKeyId}': {
    cases: (w) => [
      ...authCases({ method: 'DELETE', path: `/api-keys/${w.spareKeyId}`, key: w.admin }),
      ...pathCases('DELETE', (v) => `/api-keys/${v}`, w.admin, {}, ['ak_missing', '..', ...INJECTIONS, 'apikey', '%', w.a.id]),
      // The admin's own key's hash is no key id; neither is a project key's value.
      { name: 'a key value instead of its id', req: { method: 'DELETE', path: `/api-keys/${E(w.a.key)}`, key: w.admin }, status: 404 },
    ],
    control: (w) => ({ method: 'DELETE', path: `/api-keys/${w.spareKeyId}`, key: w.admin }),
  },
  'POST /projects': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: '/projects', key: w.admin, body: { name: 'fuzz control', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01' } };
      return [
        ...authCases(base),
        ...bodyCases(base, [
          { path: 'name', type: { kind: 'text', max: 200 }, required: true },
          { path: 'currency', type: { kind: 'currency' }, required: false },
          { path: 'creditLimit', type: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, required: false },
          { path: 'billingStartDate', type: { kind: 'date' }, required: false },
        ]),
        ...['', "'; DROP TABLE projects;--", 'x'.repeat(129), '../../etc/passwd', 'a b', TEN_K].map((k) => ({
          name: `Idempotency-Key ${show(k)}`, req: { ...base, headers: { 'idempotency-key': k } }, status: 400,
        })),
        { name: 'Idempotency-Key reused with another body', req: { ...base, headers: { 'idempotency-key': w.usedIdempotencyKey } }, status: 409 },
        ...['Acme\u0000', 'Acme\u0085', 'Ac\ud800me', 'pay\u202Efdp.exe', '\u2067Acme', 'Ac\u200Bme', '\uFEFFAcme', 'Acme\u2060'].map((name) => ({
          name: `name with ${show(name)}`, req: { ...base, body: { ...(base.body as object), name } }, status: 400,
        })),
      ];
    },
    control: (w) => ({ method: 'POST', path: '/projects', key: w.admin, body: { name: 'fuzz control', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01' } }),
  },
  'GET /projects/{projectId}': {
    cases: (w) => [
      ...authCases({ method: 'GET', path: `/projects/${w.a.id}`, key: w.admin }),
      ...pathCases('GET', (v) => `/projects/${v}`, w.admin),
    ],
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}`, key: w.admin }),
  },
  'POST /projects/{projectId}/payments': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/payments`, key: w.admin, body: { paymentId: 'pay-fuzz-control', amount: 500 } };
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/projects/${v}/payments`, w.admin, { body: { paymentId: 'pay-fuzz-path', amount: 500 } }),
        ...bodyCases(base, [
          { path: 'paymentId', type: { kind: 'id' }, required: true },
          { path: 'amount', type: { kind: 'posInt', max: Number.MAX_SAFE_INTEGER }, required: true },
        ]),
        { name: 'a seen paymentId with another amount', req: { ...base, body: { paymentId: w.seenPaymentId, amount: 999 } }, status: 409 },
        { name: 'a seen paymentId on another project', req: { ...base, path: `/projects/${w.b.id}/payments`, body: { paymentId: w.seenPaymentId, amount: 1000 } }, status: 409 },
        // The balance (1000 paid) plus this would pass 2**53: no exact integer balance exists.
        { name: 'amount that overflows the balance', req: { ...base, body: { paymentId: 'pay-fuzz-overflow', amount: Number.MAX_SAFE_INTEGER } }, status: 409 },
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/payments`, key: w.admin, body: { paymentId: 'pay-fuzz-control', amount: 500 } }),
  },
  'GET /projects/{projectId}/products': {
    cases: (w) => [
      ...authCases({ method: 'GET', path: `/projects/${w.a.id}/products`, key: w.admin }),
      ...pathCases('GET', (v) => `/projects/${v}/products`, w.admin),
    ],
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/products`, key: w.admin }),
  },
  'PUT /projects/{projectId}/products/{productId}': {
    cases: (w) => {
      const base: Req = { method: 'PUT', path: `/projects/${w.a.id}/products/telephony`, key: w.admin, body: { enabled: true, seats: 4, effectiveAt: '2026-03-10T12:00:00+02:00' } };
      return [
        ...authCases(base),
        ...pathCases('PUT', (v) => `/projects/${v}/products/telephony`, w.admin, { body: { enabled: true } }),
        ...pathCases('PUT', (v) => `/projects/${w.a.id}/products/${v}`, w.admin, { body: { enabled: true } }, ['voicemail', 'TELEPHONY', '..', ...INJECTIONS]),
        { name: 'a product no version of the plan has', req: { ...base, path: `/projects/${w.a.id}/products/speech`, body: { enabled: true } }, status: 404 },
        ...bodyCases(base, [
          { path: 'enabled', type: { kind: 'bool' }, required: true },
          { path: 'seats', type: { kind: 'int', min: 0, max: 10_000 }, required: false },
          { path: 'effectiveAt', type: { kind: 'instant' }, required: false },
        ]),
        { name: 'seats on a product without seats', req: { ...base, path: `/projects/${w.a.id}/products/calltracking`, body: { enabled: true, seats: 2 } }, status: 400 },
        { name: 'effectiveAt in a charged day', req: { ...base, body: { enabled: true, effectiveAt: `${w.chargedThrough}T12:00:00+02:00` } }, status: 409 },
        { name: 'effectiveAt from a project key', req: { ...base, key: w.a.key }, status: 403 },
      ];
    },
    control: (w) => ({ method: 'PUT', path: `/projects/${w.a.id}/products/telephony`, key: w.admin, body: { enabled: true, seats: 4, effectiveAt: '2026-03-10T12:00:00+02:00' } }),
  },
  'POST /projects/{projectId}/numbers': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/numbers`, key: w.admin, body: { number: '+380442220000', type: 'local', effectiveAt: '2026-03-10T12:00:00+02:00' } };
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/projects/${v}/numbers`, w.admin, { body: { number: '+380442220001', type: 'local' } }),
        ...bodyCases(base, [
          { path: 'number', type: { kind: 'e164' }, required: true },
          { path: 'type', type: { kind: 'enum', values: ['local', 'mobile', 'tollfree'] }, required: true },
          { path: 'effectiveAt', type: { kind: 'instant' }, required: false },
        ]),
        { name: 'a number type the plan does not price', req: { ...base, body: { number: '+380442220003', type: 'satellite' } }, status: 400 },
        { name: 'a number already held', req: { ...base, body: { number: w.heldNumber, type: 'local' } }, status: 409 },
        { name: 'a number another project holds', req: { ...base, body: { number: w.takenNumber, type: 'local' } }, status: 409 },
        { name: 'a number another project holds, backdated', req: { ...base, body: { number: w.takenNumber, type: 'local', effectiveAt: '2026-03-08T12:00:00+02:00' } }, status: 409 },
        { name: 'effectiveAt in a charged day', req: { ...base, body: { number: '+380442220002', type: 'local', effectiveAt: `${w.chargedThrough}T12:00:00+02:00` } }, status: 409 },
        { name: 'effectiveAt from a project key', req: { ...base, key: w.a.key }, status: 403 },
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/numbers`, key: w.admin, body: { number: '+380442220000', type: 'local', effectiveAt: '2026-03-10T12:00:00+02:00' } }),
  },
  'DELETE /projects/{projectId}/numbers/{number}': {
    cases: (w) => {
      const base: Req = { method: 'DELETE', path: `/projects/${w.a.id}/numbers/${E(w.heldNumber)}`, key: w.admin, query: { effectiveAt: '2026-03-10T13:00:00+02:00' } };
      return [
        ...authCases(base),
        ...pathCases('DELETE', (v) => `/projects/${v}/numbers/${E(w.heldNumber)}`, w.admin),
        ...pathCases('DELETE', (v) => `/projects/${w.a.id}/numbers/${v}`, w.admin, {}, ['+380449999999', 'abc', '0', '..', '%2B', ...BAD_E164.filter((v): v is string => typeof v === 'string')]),
        ...queryCases(base, { effectiveAt: BAD_INSTANTS.filter((v) => typeof v === 'string') }),
        { name: 'effectiveAt in a charged day', req: { ...base, query: { effectiveAt: `${w.chargedThrough}T12:00:00+02:00` } }, status: 409 },
        { name: 'effectiveAt from a project key', req: { ...base, key: w.a.key }, status: 403 },
      ];
    },
    control: (w) => ({ method: 'DELETE', path: `/projects/${w.a.id}/numbers/${E(w.heldNumber)}`, key: w.admin, query: { effectiveAt: '2026-03-10T13:00:00+02:00' } }),
  },
  'POST /projects/{projectId}/sessions': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/sessions`, key: w.telephony, body: { date: '2026-03-09', count: 100 } };
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/projects/${v}/sessions`, w.admin, { body: { date: '2026-03-09', count: 100 } }),
        ...bodyCases(base, [
          { path: 'date', type: { kind: 'date' }, required: true },
          { path: 'count', type: { kind: 'int', min: 0, max: 1_000_000_000 }, required: true },
        ]),
        { name: 'a day already charged', req: { ...base, body: { date: w.chargedThrough, count: 100 } }, status: 409 },
        { name: 'the first day billed, long charged', req: { ...base, body: { date: '2026-03-01', count: 100 } }, status: 409 },
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/sessions`, key: w.telephony, body: { date: '2026-03-09', count: 100 } }),
  },
  'POST /usage': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: '/usage', key: w.telephony, body: { events: [usageEvent(w)] } };
      const sms = { ...usageEvent(w), kind: 'sms', segments: 1, durationSec: undefined };
      const batch = (n: number, bad?: Record<string, unknown>) => ({ events: Array.from({ length: n }, (_, i) => (bad && i === n - 1 ? { ...usageEvent(w, 1000 + i), ...bad } : usageEvent(w, 1000 + i))) });
      return [
        ...authCases(base),
        ...bodyCases(base, [
          { path: 'events.0.eventId', type: { kind: 'id' }, required: true },
          { path: 'events.0.projectId', type: { kind: 'id' }, required: true },
          { path: 'events.0.kind', type: { kind: 'enum', values: ['outgoing_call', 'forwarded_call', 'sms'] }, required: true },
          { path: 'events.0.destination', type: { kind: 'e164' }, required: true },
          { path: 'events.0.occurredAt', type: { kind: 'instant' }, required: true },
          { path: 'events.0.durationSec', type: { kind: 'int', min: 0, max: 86_400 }, required: true },
        ]),
        ...[[], 'x', null, [null], [1], {}, [[]]].map((v) => ({ name: `events = ${show(v)}`, req: { ...base, body: { events: v } }, status: 400 })),
        { name: 'events missing', req: { ...base, body: {} }, status: 400 },
        { name: '501 events', req: { ...base, body: batch(501) }, status: 400 },
        { name: '500 events, the last for an unknown destination', req: { ...base, body: batch(500, { destination: '+861012345678' }) }, status: 400 },
        { name: '500 events, the last for an unknown project', req: { ...base, body: batch(500, { projectId: 'prj_missing' }) }, status: 400 },
        { name: '500 events, the last with an unknown field', req: { ...base, body: batch(500, { cost: 0 }) }, status: 400 },
        { name: 'an unknown destination', req: { ...base, body: { events: [{ ...usageEvent(w), destination: '+861012345678' }] } }, status: 400 },
        { name: 'a call with segments', req: { ...base, body: { events: [{ ...usageEvent(w), segments: 1 }] } }, status: 400 },
        { name: 'an sms without segments', req: { ...base, body: { events: [{ ...sms, segments: undefined }] } }, status: 400 },
        { name: 'an sms with durationSec', req: { ...base, body: { events: [{ ...sms, durationSec: 5 }] } }, status: 400 },
        ...[0, -1, 1.5, 1001, 1e308, '1'].map((s) => ({ name: `sms segments = ${show(s)}`, req: { ...base, body: { events: [{ ...sms, segments: s }] } }, status: 400 })),
        { name: 'the cost sent by the client', req: { ...base, body: { events: [{ ...usageEvent(w), cost: -100_000 }] } }, status: 400 },
        // A's billing starts 2026-03-01, at 2026-02-28T22:00:00Z in Kyiv.
        { name: 'an event before the project\'s billingStartDate', req: { ...base, body: { events: [{ ...usageEvent(w), occurredAt: '2026-02-28T23:59:59+02:00' }] } }, status: 400 },
        { name: '500 events, the last from year 0001', req: { ...base, body: batch(500, { occurredAt: '0001-01-02T00:00:00Z' }) }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'POST', path: '/usage', key: w.telephony, body: { events: [usageEvent(w)] } }),
  },
  'POST /projects/{projectId}/authorize': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/authorize`, key: w.telephony, body: { kind: 'outgoing_call', destination: '+380441234567' } };
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/projects/${v}/authorize`, w.admin, { body: { kind: 'outgoing_call', destination: '+380441234567' } }),
        ...bodyCases(base, [
          { path: 'kind', type: { kind: 'enum', values: ['outgoing_call', 'forwarded_call', 'sms'] }, required: true },
          { path: 'destination', type: { kind: 'e164' }, required: true },
        ]),
        { name: 'an unknown destination', req: { ...base, body: { kind: 'outgoing_call', destination: '+861012345678' } }, status: 400 },
        { name: 'an sms to an unknown destination', req: { ...base, body: { kind: 'sms', destination: '+861012345678' } }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/authorize`, key: w.telephony, body: { kind: 'outgoing_call', destination: '+380441234567' } }),
  },
  'GET /projects/{projectId}/ledger': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/ledger`, key: w.a.key, query: { from: '2026-03-01', to: '2026-03-10', limit: '10' } };
      const b64 = (s: string) => Buffer.from(s).toString('base64url');
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/ledger`, w.admin),
        ...queryCases(base, {
          limit: ['0', '1001', 'abc', '1.5', '-1', '1e308', '', String(2 ** 53), 'Infinity'],
          cursor: ['!!!', 'abc', 'x'.repeat(3000), b64('2026-02-01#payment#x'), b64(`2026-03-10#payment#${'a'.repeat(1500)}`), b64('2026-03-10#payment#a b'), b64('garbage'), `${w.cursor}=`, `${w.cursor}!`, b64("2026-03-05#' OR 1=1 --"), INJECTIONS[1], INJECTIONS[3]],
          from: BAD_DATES.filter((v) => typeof v === 'string'),
          to: ['2026-13-01', '2026-02-30', '26-1-1', '2026-02-28'],
        }),
        { name: 'from after to', req: { ...base, query: { from: '2026-03-10', to: '2026-03-01' } }, status: 400 },
        { name: 'a cursor outside from..to', req: { ...base, query: { from: '2026-03-01', to: '2026-03-09', cursor: w.cursor } }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/ledger`, key: w.a.key, query: { from: '2026-03-10', to: '2026-03-10', limit: '1', cursor: w.cursor } }),
  },
  'GET /projects/{projectId}/usage': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/usage`, key: w.a.key, query: { date: '2026-03-10' } };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/usage`, w.admin, { query: { date: '2026-03-10' } }),
        ...queryCases(base, {
          date: [...BAD_DATES.filter((v) => typeof v === 'string'), '0000-03-10', '10000-03-10'],
          limit: ['0', '1001', 'abc', '1.5', '-1', '1e308', '', 'Infinity'],
          cursor: ['!!!', 'x'.repeat(301), Buffer.from('2026-03-09T10:00:00.000Z#fuzz-ok-0').toString('base64url'), Buffer.from(`2026-03-10T10:00:00.000Z#${'a'.repeat(1500)}`).toString('base64url'), INJECTIONS[1]],
        }),
        { name: 'date missing', req: { ...base, query: {} }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/usage`, key: w.a.key, query: { date: '2026-03-10' } }),
  },
  'GET /projects/{projectId}/forecast': {
    cases: (w) => [
      ...authCases({ method: 'GET', path: `/projects/${w.a.id}/forecast`, key: w.admin }),
      ...pathCases('GET', (v) => `/projects/${v}/forecast`, w.admin),
    ],
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/forecast`, key: w.a.key }),
  },
  'GET /projects/{projectId}/events': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/events`, key: w.a.key, query: { limit: '2' } };
      const b64 = (s: string) => Buffer.from(s).toString('base64url');
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/events`, w.admin),
        ...queryCases(base, {
          limit: ['0', '1001', 'abc', '1.5', '-1', '1e308', '', 'Infinity'],
          after: ['!!!', 'x'.repeat(65), b64('seq:-1'), b64('seq:01'), b64('seq:1e3'), b64(`seq:${'9'.repeat(20)}`), b64('garbage'), `${w.eventsCursor}=`, INJECTIONS[1], INJECTIONS[3]],
          type: ['nope', 'PAYMENT.RECEIVED', '', 'payment', INJECTIONS[0]],
        }),
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/events`, key: w.a.key, query: { limit: '1', after: w.eventsCursor, type: 'payment.received' } }),
  },
  'POST /projects/{projectId}/events/{eventId}/redeliver': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/events/${w.eventId}/redeliver`, key: w.a.key, body: { webhookId: w.webhookId } };
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/projects/${v}/events/${w.eventId}/redeliver`, w.admin, { body: {} }),
        ...pathCases('POST', (v) => `/projects/${w.a.id}/events/${v}/redeliver`, w.admin, { body: {} }, ['evt_missing', '..', ...INJECTIONS]),
        // Project B's key, or B's path with A's event: the event is not B's to send.
        { name: "another project's event", req: { ...base, path: `/projects/${w.b.id}/events/${w.eventId}/redeliver`, key: w.admin, body: {} }, status: 404 },
        { name: 'a webhook nobody has', req: { ...base, body: { webhookId: 'wh_missing' } }, status: 404 },
        ...['{', 'null', '[]', '"x"', '42'].map((raw) => ({ name: `raw body ${raw}`, req: { ...base, body: undefined, rawBody: raw }, status: 400 })),
        { name: 'unknown field', req: { ...base, body: { webhookId: w.webhookId, extra: 1 } }, status: 400 },
        ...[null, 1, [], {}, '', 'a b', 'x'.repeat(129), ...INJECTIONS.slice(0, 3)].map((v) => ({ name: `webhookId = ${show(v)}`, req: { ...base, body: { webhookId: v } } })),
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/events/${w.eventId}/redeliver`, key: w.a.key, rawBody: '' }),
  },
  'GET /projects/{projectId}/alerts': {
    cases: (w) => [
      ...authCases({ method: 'GET', path: `/projects/${w.a.id}/alerts`, key: w.admin }),
      ...pathCases('GET', (v) => `/projects/${v}/alerts`, w.admin),
    ],
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/alerts`, key: w.a.key }),
  },
  'PUT /projects/{projectId}/alerts': {
    cases: (w) => {
      const base: Req = { method: 'PUT', path: `/projects/${w.a.id}/alerts`, key: w.a.key, body: { balanceBelow: [10_000, 0], runwayDays: 7, dailySpendCap: 50_000 } };
      return [
        ...authCases(base),
        ...pathCases('PUT', (v) => `/projects/${v}/alerts`, w.admin, { body: {} }),
        ...bodyCases(base, [
          { path: 'runwayDays', type: { kind: 'posInt', max: 366 }, required: false, nullable: true },
          { path: 'dailySpendCap', type: { kind: 'posInt', max: Number.MAX_SAFE_INTEGER }, required: false, nullable: true },
          { path: 'balanceBelow.0', type: { kind: 'int', min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }, required: false },
        ]),
        ...[{}, 'abc', 1000, [1.5], ['100'], Array.from({ length: 11 }, (_, i) => i)].map((v) => ({ name: `balanceBelow = ${show(v)}`, req: { ...base, body: { balanceBelow: v } }, status: 400 })),
      ];
    },
    control: (w) => ({ method: 'PUT', path: `/projects/${w.a.id}/alerts`, key: w.a.key, body: { balanceBelow: [10_000, 0], runwayDays: 7, dailySpendCap: null } }),
  },
  'POST /projects/{projectId}/webhooks': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/webhooks`, key: w.a.key, body: { url: 'https://hooks.example.com/paygo', types: ['payment.received'], description: 'fuzz' } };
      const urls = [
        'http://hooks.example.com/x', 'https://10.0.0.1/x', 'https://169.254.169.254/latest/meta-data', 'https://[::1]/x', 'https://localhost/x',
        'https://127.0.0.1:8443/x', 'https://user:pw@hooks.example.com/x', 'https://hooks.example.com/x#frag', 'ftp://hooks.example.com/x', 'not a url',
        'https://0x7f000001/x', 'https://2130706433/x', 'https://hooks.internal/x', `https://hooks.example.com/${'x'.repeat(2100)}`, 'javascript:alert(1)',
      ];
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/projects/${v}/webhooks`, w.admin, { body: { url: 'https://hooks.example.com/x' } }),
        ...bodyCases(base, [
          { path: 'url', type: { kind: 'text', max: 2048 }, required: true },
          { path: 'description', type: { kind: 'text', max: 200 }, required: false },
        ]),
        ...urls.map((url) => ({ name: `url ${show(url)}`, req: { ...base, body: { url } }, status: 400 })),
        ...[[], ['nope'], ['payment.received', 'x'], 'payment.received', [1]].map((types) => ({ name: `types = ${show(types)}`, req: { ...base, body: { ...(base.body as object), types } }, status: 400 })),
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/webhooks`, key: w.a.key, body: { url: 'https://hooks.example.com/control' } }),
  },
  'GET /projects/{projectId}/webhooks': {
    cases: (w) => [
      ...authCases({ method: 'GET', path: `/projects/${w.a.id}/webhooks`, key: w.admin }),
      ...pathCases('GET', (v) => `/projects/${v}/webhooks`, w.admin),
    ],
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/webhooks`, key: w.a.key }),
  },
  'DELETE /projects/{projectId}/webhooks/{webhookId}': {
    cases: (w) => [
      ...authCases({ method: 'DELETE', path: `/projects/${w.a.id}/webhooks/${w.spareWebhookId}`, key: w.admin }),
      ...pathCases('DELETE', (v) => `/projects/${v}/webhooks/${w.spareWebhookId}`, w.admin),
      ...pathCases('DELETE', (v) => `/projects/${w.a.id}/webhooks/${v}`, w.admin, {}, ['wh_missing', '..', ...INJECTIONS]),
      { name: "A's webhook through B's path", req: { method: 'DELETE', path: `/projects/${w.b.id}/webhooks/${w.spareWebhookId}`, key: w.admin }, status: 404 },
    ],
    control: (w) => ({ method: 'DELETE', path: `/projects/${w.a.id}/webhooks/${w.spareWebhookId}`, key: w.a.key }),
  },
  'GET /projects/{projectId}/webhooks/{webhookId}/deliveries': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/webhooks/${w.webhookId}/deliveries`, key: w.a.key, query: { limit: '10' } };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/webhooks/${w.webhookId}/deliveries`, w.admin),
        ...pathCases('GET', (v) => `/projects/${w.a.id}/webhooks/${v}/deliveries`, w.admin, {}, ['wh_missing', '..', ...INJECTIONS]),
        ...queryCases(base, {
          limit: ['0', '1001', 'abc', '1.5', '-1', ''],
          cursor: ['!!!', 'x'.repeat(301), Buffer.from('attempt#garbage').toString('base64url'), INJECTIONS[1]],
        }),
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/webhooks/${w.webhookId}/deliveries`, key: w.a.key }),
  },
  'POST /admin/billing-runs': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: '/admin/billing-runs', key: w.admin, body: { date: '2026-03-09' } };
      return [
        ...authCases(base),
        ...bodyCases(base, [{ path: 'date', type: { kind: 'date' }, required: true }]),
        ...['2026-03-10', '2026-03-11', '9999-12-31'].map((d) => ({ name: `date ${d} (not over yet)`, req: { ...base, body: { date: d } }, status: 400 })),
      ];
    },
    control: (w) => ({ method: 'POST', path: '/admin/billing-runs', key: w.admin, body: { date: '2026-03-09' } }),
  },
  // issue 18: credits, corrections and top-ups
  'POST /projects/{projectId}/adjustments': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/adjustments`, key: w.admin, body: { adjustmentId: 'adj-fuzz-control', amount: -50, description: 'Fuzz control' } };
      return [
        ...authCases(base),
        { name: 'a project key', req: { ...base, key: w.a.key }, status: 403 },
        ...pathCases('POST', (v) => `/projects/${v}/adjustments`, w.admin, { body: base.body }),
        ...bodyCases(base, [
          { path: 'adjustmentId', type: { kind: 'id' }, required: true },
          { path: 'amount', type: { kind: 'int', min: -Number.MAX_SAFE_INTEGER, max: Number.MAX_SAFE_INTEGER }, required: true },
          { path: 'description', type: { kind: 'text', max: 500 }, required: true },
          { path: 'date', type: { kind: 'date' }, required: false },
        ]),
        { name: 'amount 0', req: { ...base, body: { ...(base.body as object), amount: 0 } }, status: 400 },
        { name: 'a closed day', req: { ...base, body: { ...(base.body as object), date: w.chargedThrough } }, status: 409 },
        { name: 'a seen adjustmentId with another amount', req: { ...base, body: { adjustmentId: w.seenAdjustmentId, amount: 99, description: 'Seen' } }, status: 409 },
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/adjustments`, key: w.admin, body: { adjustmentId: 'adj-fuzz-control', amount: -50, description: 'Fuzz control' } }),
  },
  'POST /projects/{projectId}/usage/{eventId}/refund': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/usage/${w.refundableEventId}/refund`, key: w.admin, body: { description: 'Fuzz control' } };
      return [
        ...authCases(base),
        { name: 'a project key', req: { ...base, key: w.a.key }, status: 403 },
        ...pathCases('POST', (v) => `/projects/${v}/usage/${w.refundableEventId}/refund`, w.admin, { body: base.body }),
        ...pathCases('POST', (v) => `/projects/${w.a.id}/usage/${v}/refund`, w.admin, { body: base.body }, ['ev-missing', '..', ...INJECTIONS]),
        { name: "A's event through B's path", req: { ...base, path: `/projects/${w.b.id}/usage/${w.refundableEventId}/refund` }, status: 404 },
        ...bodyCases(base, [
          { path: 'description', type: { kind: 'text', max: 500 }, required: false },
          { path: 'date', type: { kind: 'date' }, required: false },
        ]),
        { name: 'a closed day', req: { ...base, body: { date: w.chargedThrough } }, status: 409 },
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/usage/${w.refundableEventId}/refund`, key: w.admin, body: { description: 'Fuzz control' } }),
  },
  'POST /projects/{projectId}/credits': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/credits`, key: w.admin, body: { grantId: 'grant-fuzz-control', amount: 500, expiresOn: '2026-04-30', description: 'Fuzz control' } };
      return [
        ...authCases(base),
        { name: 'a project key', req: { ...base, key: w.a.key }, status: 403 },
        ...pathCases('POST', (v) => `/projects/${v}/credits`, w.admin, { body: base.body }),
        ...bodyCases(base, [
          { path: 'grantId', type: { kind: 'id' }, required: true },
          { path: 'amount', type: { kind: 'posInt', max: Number.MAX_SAFE_INTEGER }, required: true },
          { path: 'effectiveOn', type: { kind: 'date' }, required: false },
          { path: 'expiresOn', type: { kind: 'date' }, required: false },
          { path: 'description', type: { kind: 'text', max: 500 }, required: true },
        ]),
        { name: 'effectiveOn a closed day', req: { ...base, body: { ...(base.body as object), effectiveOn: w.chargedThrough } }, status: 409 },
        { name: 'expiresOn before effectiveOn', req: { ...base, body: { ...(base.body as object), effectiveOn: '2026-03-20', expiresOn: '2026-03-19' } }, status: 400 },
        { name: 'a seen grantId with another amount', req: { ...base, body: { grantId: w.seenGrantId, amount: 99, description: 'Seen' } }, status: 409 },
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/credits`, key: w.admin, body: { grantId: 'grant-fuzz-control', amount: 500, expiresOn: '2026-04-30', description: 'Fuzz control' } }),
  },
  'GET /projects/{projectId}/credits': {
    cases: (w) => [
      ...authCases({ method: 'GET', path: `/projects/${w.a.id}/credits`, key: w.admin }),
      ...pathCases('GET', (v) => `/projects/${v}/credits`, w.admin),
    ],
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/credits`, key: w.a.key }),
  },
  'DELETE /projects/{projectId}/credits/{grantId}': {
    cases: (w) => [
      ...authCases({ method: 'DELETE', path: `/projects/${w.a.id}/credits/${w.spareGrantId}`, key: w.admin }),
      { name: 'a project key', req: { method: 'DELETE', path: `/projects/${w.a.id}/credits/${w.spareGrantId}`, key: w.a.key }, status: 403 },
      ...pathCases('DELETE', (v) => `/projects/${v}/credits/${w.spareGrantId}`, w.admin),
      ...pathCases('DELETE', (v) => `/projects/${w.a.id}/credits/${v}`, w.admin, {}, ['grant-missing', '..', ...INJECTIONS]),
      { name: "A's grant through B's path", req: { method: 'DELETE', path: `/projects/${w.b.id}/credits/${w.spareGrantId}`, key: w.admin }, status: 404 },
    ],
    control: (w) => ({ method: 'DELETE', path: `/projects/${w.a.id}/credits/${w.spareGrantId}`, key: w.admin }),
  },
  'PUT /projects/{projectId}/auto-topup': {
    cases: (w) => {
      const base: Req = { method: 'PUT', path: `/projects/${w.a.id}/auto-topup`, key: w.a.key, body: { below: 100, amount: 1000, monthlyLimit: 5000 } };
      return [
        ...authCases(base),
        ...pathCases('PUT', (v) => `/projects/${v}/auto-topup`, w.admin, { body: base.body }),
        // A body of `null` removes the rule (docs/api.md): the one raw body this route takes.
        ...bodyCases(base, [
          { path: 'below', type: { kind: 'int', min: 0, max: Number.MAX_SAFE_INTEGER }, required: true },
          { path: 'amount', type: { kind: 'posInt', max: Number.MAX_SAFE_INTEGER }, required: true },
          { path: 'monthlyLimit', type: { kind: 'posInt', max: Number.MAX_SAFE_INTEGER }, required: true },
        ]).filter((c) => c.req.rawBody !== 'null'),
        { name: 'monthlyLimit below amount', req: { ...base, body: { below: 100, amount: 1000, monthlyLimit: 999 } }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'PUT', path: `/projects/${w.a.id}/auto-topup`, key: w.a.key, body: { below: 100, amount: 1000, monthlyLimit: 5000 } }),
  },
  'GET /projects/{projectId}/auto-topup': {
    cases: (w) => [
      ...authCases({ method: 'GET', path: `/projects/${w.a.id}/auto-topup`, key: w.admin }),
      ...pathCases('GET', (v) => `/projects/${v}/auto-topup`, w.admin),
    ],
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/auto-topup`, key: w.a.key }),
  },
  'POST /projects/{projectId}/topups/{topupId}/failed': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.b.id}/topups/${w.outstandingTopupId}/failed`, key: w.admin, body: { reason: 'card declined' } };
      return [
        ...authCases(base),
        { name: 'a project key', req: { ...base, key: w.b.key }, status: 403 },
        ...pathCases('POST', (v) => `/projects/${v}/topups/${w.outstandingTopupId}/failed`, w.admin, { body: base.body }),
        ...pathCases('POST', (v) => `/projects/${w.b.id}/topups/${v}/failed`, w.admin, { body: base.body }, ['tu_missing', '..', ...INJECTIONS]),
        { name: "B's top-up through A's path", req: { ...base, path: `/projects/${w.a.id}/topups/${w.outstandingTopupId}/failed` }, status: 404 },
        { name: 'a paid top-up', req: { ...base, path: `/projects/${w.b.id}/topups/${w.paidTopupId}/failed` }, status: 409 },
        ...bodyCases(base, [{ path: 'reason', type: { kind: 'text', max: 500 }, required: true }]),
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.b.id}/topups/${w.outstandingTopupId}/failed`, key: w.admin, body: { reason: 'card declined' } }),
  },
  // issue 21: statements (a project without a closed month: an empty list, 404 for a month)
  'GET /projects/{projectId}/statements': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/statements`, key: w.a.key };
      return [...authCases(base), ...pathCases('GET', (v) => `/projects/${v}/statements`, w.admin)];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/statements`, key: w.a.key }),
  },
  'GET /projects/{projectId}/statements/{month}': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/statements/2026-02`, key: w.a.key };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/statements/2026-02`, w.admin),
        ...['2026-13', '2026-1', '26-01', '2026-02-01', '0000-00', INJECTIONS[0]!, INJECTIONS[1]!, 'x'.repeat(3000)].map((m) => ({
          name: `month ${show(m)}`, req: { ...base, path: `/projects/${w.a.id}/statements/${E(m)}` }, status: 400,
        })),
        { name: 'a month not made', req: { ...base, path: `/projects/${w.a.id}/statements/2026-03`, headers: { accept: 'application/pdf' } }, status: 404 },
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/statements/2026-02`, key: w.a.key, headers: { accept: 'text/csv' } }),
  },
  // issue 23: the portal
  'POST /projects/{projectId}/portal-sessions': {
    cases: (w) => {
      const base: Req = { method: 'POST', path: `/projects/${w.a.id}/portal-sessions`, key: w.a.key, body: { locale: 'en', allowChanges: true, returnUrl: 'https://operator.example/back' } };
      return [
        ...authCases(base),
        ...pathCases('POST', (v) => `/projects/${v}/portal-sessions`, w.admin, { body: {} }),
        // The body may be left out (an empty one reads as {}), so those two raw bodies succeed.
        ...bodyCases(base, [
          { path: 'locale', type: { kind: 'enum', values: ['uk', 'en'] }, required: false },
          { path: 'allowChanges', type: { kind: 'bool' }, required: false },
        ]).filter((c) => c.req.rawBody?.trim() !== ''),
        ...['javascript:alert(1)', 'ftp://x.example/', '/relative', 'https://user:pw@x.example/', `https://x.example/${'a'.repeat(2000)}`, 42, null]
          .map((v) => ({ name: `returnUrl ${show(v)}`, req: { ...base, body: { returnUrl: v } }, status: 400 })),
      ];
    },
    control: (w) => ({ method: 'POST', path: `/projects/${w.a.id}/portal-sessions`, key: w.a.key, body: { locale: 'uk' } }),
  },
  'GET /projects/{projectId}/products/{productId}/price': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/products/telephony/price`, key: w.a.key, query: { seats: '5' } };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/products/telephony/price`, w.admin),
        ...pathCases('GET', (v) => `/projects/${w.a.id}/products/${v}/price`, w.admin, {}, ['nope', '..', 'Telephony', ...INJECTIONS]),
        ...queryCases(base, { seats: ['-1', '10001', 'abc', '1.5', ''] }),
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/products/telephony/price`, key: w.a.key, query: { seats: '5' } }),
  },
  'GET /portal': {
    cases: () => [],
    control: () => ({ method: 'GET', path: '/portal' }),
    ignored: (w) => [{ method: 'GET', path: '/portal', query: { token: INJECTIONS[0] }, rawBody: '{', key: w.unknown }],
  },
  'GET /portal/{asset}': {
    cases: (w) => pathCases('GET', (v) => `/portal/${v}`, w.admin, {}, ['app.ts', '..', 'app.js.map', '.env', ...INJECTIONS]),
    control: () => ({ method: 'GET', path: '/portal/app.js' }),
  },
  // issue 22: reports
  'GET /projects/{projectId}/reports/usage': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/reports/usage`, key: w.a.key, query: { from: '2026-03-01', to: '2026-03-10', groupBy: 'day,country' } };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/reports/usage`, w.admin, { query: base.query }),
        ...queryCases(base, {
          from: [...BAD_DATES.filter((v) => typeof v === 'string'), '2026-03-11', '2025-03-09'],
          to: ['2026-13-01', '2026-02-30', '26-1-1', '2026-02-28'],
          groupBy: ['', ',', 'day,', 'day,kind,country', 'day,day', 'week', 'tag:', 'tag:Employee', 'tag:__proto__', `tag:${'a'.repeat(33)}`, 'x'.repeat(201), INJECTIONS[1]],
        }),
        { name: 'groupBy missing', req: { ...base, query: { from: '2026-03-01', to: '2026-03-10' } }, status: 400 },
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/reports/usage`, key: w.a.key, query: { from: '2026-03-01', to: '2026-03-10', groupBy: 'tag:employee,prefix' } }),
  },
  'GET /projects/{projectId}/reports/spend': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: `/projects/${w.a.id}/reports/spend`, key: w.a.key, query: { from: '2026-03-01', to: '2026-03-10', groupBy: 'day' } };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/projects/${v}/reports/spend`, w.admin, { query: base.query }),
        ...queryCases(base, {
          from: [...BAD_DATES.filter((v) => typeof v === 'string'), '2026-03-11', '2025-03-09'],
          groupBy: ['', 'week', 'day,month', 'DAY', INJECTIONS[1]],
        }),
      ];
    },
    control: (w) => ({ method: 'GET', path: `/projects/${w.a.id}/reports/spend`, key: w.a.key, query: { from: '2026-03-01', to: '2026-03-10', groupBy: 'month' } }),
  },
  // issue 20: is last night done?
  'GET /admin/billing-runs/{date}': {
    cases: (w) => {
      const base: Req = { method: 'GET', path: '/admin/billing-runs/2026-03-09', key: w.admin };
      return [
        ...authCases(base),
        ...pathCases('GET', (v) => `/admin/billing-runs/${v}`, w.admin, {}, ['2026-3-9', '2026-02-30', 'yesterday', '..', ...INJECTIONS]),
      ];
    },
    control: (w) => ({ method: 'GET', path: '/admin/billing-runs/2026-03-09', key: w.admin }),
  },
};
