/**
 * The cast of the contract tests, made through the real store and routes: an admin key (made by the
 * store, as an operator would bootstrap one), two projects A and B with their own project keys
 * (POST /projects), a telephony key (POST /api-keys), a revoked key (revoked by DELETE
 * /api-keys/{apiKeyId}) and a well-formed key nobody issued. Also the checks every error answer must
 * pass.
 */
import { randomBytes } from 'node:crypto';
import { ErrorBody } from '../../shared/http/schemas';
import { storeContext } from '../../shared/store/context';
import { callApi, type ApiAnswer } from './api';
import { createApiKey } from '../../shared/billing/api-keys';

export interface ProjectFixture {
  id: string;
  name: string;
  /** Its project key (from POST /projects). */
  key: string;
  apiKeyId: string;
}

export interface World {
  admin: string;
  adminKeyId: string;
  telephony: string;
  telephonyKeyId: string;
  a: ProjectFixture;
  b: ProjectFixture;
  /** An admin key revoked through DELETE /api-keys/{apiKeyId}. */
  revoked: string;
  /** Well-formed, never issued. */
  unknown: string;
  /** Every key value handed out (the revoked one included). */
  allKeys: string[];
}

async function must(res: Promise<ApiAnswer>, status: number, what: string): Promise<ApiAnswer> {
  const r = await res;
  if (r.status !== status) throw new Error(`${what}: expected ${status}, got ${r.status} ${r.text.slice(0, 500)}`);
  return r;
}

/** A project made by POST /projects with the admin key. */
export async function newProject(admin: string, name: string, billingStartDate = '2026-03-01'): Promise<ProjectFixture> {
  const r = await must(callApi('POST', '/projects', { key: admin, body: { name, billingStartDate } }), 201, `POST /projects ${name}`);
  return { id: r.body.projectId, name, key: r.body.apiKey, apiKeyId: r.body.apiKeyId };
}

/** Makes the cast on the current tables (call after useTables / billingEnv). */
export async function makeWorld(tag = 'contract'): Promise<World> {
  const made = await createApiKey(storeContext(), 'admin');
  const admin = made.apiKey;
  const a = await newProject(admin, `${tag} project A ${randomBytes(4).toString('hex')}`);
  const b = await newProject(admin, `${tag} project B ${randomBytes(4).toString('hex')}`);
  const tel = await must(callApi('POST', '/api-keys', { key: admin, body: { role: 'telephony' } }), 201, 'POST /api-keys telephony');
  const doomed = await must(callApi('POST', '/api-keys', { key: admin, body: { role: 'admin' } }), 201, 'POST /api-keys admin');
  await must(callApi('DELETE', `/api-keys/${doomed.body.apiKeyId}`, { key: admin }), 204, 'DELETE /api-keys');
  const unknown = `pg_${randomBytes(32).toString('base64url')}`;
  return {
    admin,
    adminKeyId: made.apiKeyId,
    telephony: tel.body.apiKey,
    telephonyKeyId: tel.body.apiKeyId,
    a,
    b,
    revoked: doomed.body.apiKey,
    unknown,
    allKeys: [admin, a.key, b.key, tel.body.apiKey, doomed.body.apiKey],
  };
}

// What must never reach a client: stack frames, source paths, SDK and DynamoDB internals, raw objects.
const LEAKS: readonly [RegExp, string][] = [
  [/(\\n|\n)\s+at\s/, 'a stack trace'],
  [/\bat\s+\S+\s+\(?[^)\s]*:\d+:\d+\)?/, 'a stack frame'],
  [/\.(ts|js|mjs|cjs):\d+/, 'a source location'],
  [/node_modules|\/work\/|\/home\/|\/var\/task/, 'a file path'],
  [/ValidationException|ConditionalCheckFailed|TransactionCanceled|ResourceNotFound|ProvisionedThroughput|ThrottlingException/, 'a DynamoDB error'],
  [/dynamodb|aws-sdk|@smithy|ExpressionAttribute|KeyConditionExpression/i, 'SDK internals'],
  [/TypeError|ReferenceError|SyntaxError|RangeError|Cannot read propert/, 'a JavaScript error'],
  [/\[object Object\]/, 'a stringified object'],
  [/apikey#|apikeyid#|"pk"|"sk"/, 'a storage key'],
];

/** Problems with an answer that should be a client error; [] when it is a clean 4xx error body. */
export function errorProblems(res: ApiAnswer, tableNames: readonly string[] = []): string[] {
  const problems: string[] = [];
  if (res.status < 400 || res.status > 499) problems.push(`status ${res.status}, want 4xx`);
  if (!(res.headers['content-type'] ?? 'application/json').includes('application/json')) problems.push(`content-type ${res.headers['content-type']}`);
  const parsed = ErrorBody.safeParse(res.body);
  if (!parsed.success) {
    problems.push(`body is not the error body: ${res.text.slice(0, 300)}`);
    return problems;
  }
  const extraTop = Object.keys(res.body as object).filter((k) => k !== 'error');
  const extraInner = Object.keys(res.body.error as object).filter((k) => !['code', 'message', 'details'].includes(k));
  if (extraTop.length || extraInner.length) problems.push(`unexpected fields: ${[...extraTop, ...extraInner].join(', ')}`);
  if (!/^[a-z][a-z0-9_]*$/.test(parsed.data.error.code)) problems.push(`code ${parsed.data.error.code} is not a machine code`);
  if (parsed.data.error.message.trim() === '') problems.push('empty message');
  for (const [re, what] of LEAKS) if (re.test(res.text)) problems.push(`body contains ${what}: ${res.text.slice(0, 300)}`);
  for (const t of tableNames) if (res.text.includes(t)) problems.push(`body names table ${t}`);
  return problems;
}
