/**
 * GET /openapi.json, generated from the route declarations' zod schemas (never written by hand): OpenAPI 3.1,
 * whose schema dialect is JSON Schema 2020-12, which is what zod emits.
 */
import * as z from 'zod';
import { EVENT_TYPES, eventSchemaOf, type EventType } from '../domain/events';
import { ROUTES, type Route } from './routes';
import { ErrorBody } from './schemas';

type JsonObject = Record<string, unknown>;

/** Named schemas (zod `.meta({ id })`), hoisted from each operation into `components.schemas`. */
let components: Record<string, unknown> = {};

function schemaOf(schema: z.ZodType, io: 'input' | 'output'): JsonObject {
  const raw = z.toJSONSchema(schema, { target: 'draft-2020-12', io, unrepresentable: 'any', reused: 'inline' }) as JsonObject;
  delete raw.$schema;
  // Requests are strict (docs/api.md: unknown fields are a 400); responses may grow new fields without
  // breaking a client that validates against this document (docs/api.md: "add routes and fields freely").
  const out = (io === 'output' ? openObjects(raw) : raw) as JsonObject;
  // zod puts named schemas in a local `$defs`; OpenAPI resolves `$ref`s from the document root.
  const defs = (out.$defs ?? {}) as Record<string, unknown>;
  delete out.$defs;
  for (const [name, def] of Object.entries(defs)) components[name] = rootRefs(def);
  return rootRefs(out) as JsonObject;
}

function rootRefs(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(rootRefs);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    out[k] = k === '$ref' && typeof v === 'string' ? v.replace(/^#\/\$defs\//, '#/components/schemas/') : rootRefs(v);
  }
  return out;
}

function openObjects(node: unknown): unknown {
  if (Array.isArray(node)) return node.map(openObjects);
  if (node === null || typeof node !== 'object') return node;
  const out: JsonObject = {};
  for (const [k, v] of Object.entries(node)) {
    if (k === 'additionalProperties' && v === false) continue;
    out[k] = openObjects(v);
  }
  return out;
}

const BUSY = "`busy`: too many concurrent changes of one project, or the store stayed throttled (nothing was written, or the outcome is unknown; Retry-After says when to send it again). ";
const TIMEOUT = '`timeout`: the request ran past its time limit (on AWS the gateway answers {"message":"Service Unavailable"}); the outcome is unknown: send it again';

const ERROR_STATUSES: Record<number, string> = {
  400: 'Invalid input', 401: 'Missing or unknown API key', 403: 'Not allowed for this key', 404: 'Not found',
  409: 'Conflicts with what is stored', 413: 'Body too large', 500: 'Internal error', 503: 'Busy or past its time: the outcome is unknown, send it again',
};

function operationObject(op: Route): JsonObject {
  const { method, path } = op;
  const parameters: JsonObject[] = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({ name: m[1], in: 'path', required: true, schema: { type: 'string' } }));
  if (op.query) {
    const q = schemaOf(op.query, 'input') as { properties?: Record<string, JsonObject>; required?: string[] };
    for (const [name, schema] of Object.entries(q.properties ?? {})) {
      parameters.push({ name, in: 'query', required: (q.required ?? []).includes(name), schema });
    }
  }
  if (op.idempotent) {
    parameters.push({ name: 'Idempotency-Key', in: 'header', required: false, description: 'The same key and body again within 24 hours answers the first answer and creates nothing; another body: 409 idempotency_conflict', schema: { type: 'string', pattern: '^[A-Za-z0-9._:@-]{1,128}$' } });
  }
  const responses: JsonObject = {};
  for (const [status, schema] of Object.entries(op.responses)) {
    const content: JsonObject = !schema ? {}
      : op.contentTypes ? Object.fromEntries(op.contentTypes.map((t) => [t, { schema: { type: 'string' } }]))
        : { 'application/json': { schema: schemaOf(schema, 'output') } };
    if (op.csv && schema) content['text/csv'] = { schema: { type: 'string' } };
    if (op.pdf && schema) content['application/pdf'] = { schema: { type: 'string', contentMediaType: 'application/pdf' } };
    responses[status] = { description: op.summary, ...(Object.keys(content).length ? { content } : {}) };
  }
  // A public route still refuses a body over 1 MiB (the twin; API Gateway past 10 MB) before it runs.
  // A public route with a path parameter answers 404 for a value that names nothing (a portal asset).
  const errors = op.roles === 'public' ? [...(parameters.some((p) => p.in === 'path') ? [404] : []), 413, 500, 503] : [400, 401, 403, 404, 409, 413, 500, 503];
  for (const s of errors) responses[String(s)] = { description: ERROR_STATUSES[s], content: { 'application/json': { schema: schemaOf(ErrorBody, 'output') } } };
  // Every route can be throttled by API Gateway and can run past its time limit (docs/api.md, Conventions);
  // only routes that write can be `busy`. The gateway's own answers carry `{"message"}`, not the error
  // body: said in the descriptions, not as a schema, so a typed client's error stays the error body.
  // A route with a limit of its own (redeliver: `rate_limited`) keeps its error body beside the gateway's.
  const own429 = responses['429'] as JsonObject | undefined;
  responses['429'] = {
    description: (own429 ? '`rate_limited`: past this route\'s own limit (Retry-After says when to send it again). Or: ' : '')
      + 'Throttled by API Gateway (on AWS: the account or stage request rate; body {"message":"Too Many Requests"}); the request did not run: send it again after a pause',
    ...(own429?.content ? { content: own429.content } : {}),
  };
  responses['503'] = {
    description: (op.method === 'GET' ? '' : BUSY) + TIMEOUT,
    content: { 'application/json': { schema: schemaOf(ErrorBody, 'output') } },
  };
  return {
    operationId: `${method.toLowerCase()}${path.replace(/[{}]/g, '').split(/[/.-]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`,
    summary: op.summary,
    ...(op.roles === 'public' ? { security: [] } : { description: `Roles: ${op.roles.join(', ')}` }),
    ...(parameters.length ? { parameters } : {}),
    ...(op.body ? { requestBody: { required: !op.optionalBody, content: { 'application/json': { schema: schemaOf(op.body, 'input') } } } } : {}),
    responses,
  };
}

/** What a receiver gets (docs/api.md "Events, webhooks and alerts"): one entry per event type. */
const WEBHOOK_HEADERS: JsonObject[] = [
  { name: 'webhook-id', in: 'header', required: true, description: 'the eventId: deduplicate on it', schema: { type: 'string' } },
  { name: 'webhook-timestamp', in: 'header', required: true, description: 'Unix seconds when this attempt was signed', schema: { type: 'string' } },
  {
    name: 'webhook-signature', in: 'header', required: true,
    description: '`v1,` + base64 of HMAC-SHA256 over `{webhook-id}.{webhook-timestamp}.{body}`, keyed with the base64-decoded secret after `whsec_` (Standard Webhooks)',
    schema: { type: 'string' },
  },
];

function webhookObject(type: EventType): JsonObject {
  return {
    post: {
      operationId: `on${type.split(/[._]/).map((p) => p.charAt(0).toUpperCase() + p.slice(1)).join('')}`,
      summary: `The ${type} event`,
      parameters: WEBHOOK_HEADERS,
      requestBody: { required: true, content: { 'application/json': { schema: schemaOf(eventSchemaOf(type), 'output') } } },
      responses: {
        '200': { description: 'Any 2xx within 10 s: delivered. Anything else, or no answer, is retried with growing delays for more than 24 hours.' },
        '410': { description: 'Not special: a failed attempt like any other non-2xx (delete the webhook to stop deliveries).' },
      },
    },
  };
}

let cached: JsonObject | undefined;

/** package.json's UNLICENSED: not open source. OpenAPI 3.1 wants an SPDX identifier or a URL beside the name. */
const LICENSE = { name: 'Proprietary', identifier: 'LicenseRef-paygo-proprietary' };

export function openApiDocument(): JsonObject {
  if (cached) return cached;
  components = {};
  const paths: Record<string, JsonObject> = {};
  for (const route of ROUTES) (paths[route.path] ??= {})[route.method.toLowerCase()] = operationObject(route);
  const webhooks = Object.fromEntries(EVENT_TYPES.map((t) => [t, webhookObject(t)]));
  cached = {
    openapi: '3.1.0',
    info: { title: 'paygo', version: '1.0.0', description: 'Pay-as-you-go billing for telephony and call tracking. Money is integer minor units.', license: LICENSE },
    // Relative to where the document was fetched from; GET /openapi.json names its host (openApiDocumentAt).
    servers: [{ url: '/' }],
    components: { schemas: components, securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } } },
    security: [{ bearer: [] }],
    paths,
    webhooks,
  };
  return cached;
}

/**
 * The document with `serverUrl` as its one server, so a reader or a tool that saved it knows where to
 * send requests (the twin names its own URL).
 */
export function openApiDocumentAt(serverUrl: string): JsonObject {
  return { ...openApiDocument(), servers: [{ url: serverUrl }] };
}

/** What a request for the document says about where the API is: the parts API Gateway sets. */
export interface ServedAt {
  headers?: Record<string, string | undefined>;
  requestContext?: { domainName?: string };
}

/**
 * The base URL a request came in on: API Gateway's `requestContext.domainName` (the twin's Host) and
 * its `x-forwarded-proto`. `/` when either is missing or the host is not a plain host[:port], so a
 * forged Host header cannot put a path or markup into the document.
 */
export function serverUrlOf(req: ServedAt): string {
  const host = req.requestContext?.domainName ?? '';
  const proto = req.headers?.['x-forwarded-proto'] ?? '';
  if (!/^https?$/.test(proto) || !/^([A-Za-z0-9-]+(\.[A-Za-z0-9-]+)*|\[[0-9A-Fa-f:.]+\])(:\d{1,5})?$/.test(host)) return '/';
  return `${proto}://${host}`;
}
