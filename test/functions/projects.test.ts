import { beforeAll, describe, expect, it } from 'vitest';
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createProject } from '../../functions/api/create-project';
import { handler as getProject } from '../../functions/api/get-project';
import { authorize } from '../../functions/auth/authorize-key';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { setRuntime } from '../../shared/runtime';
import { chargeShardOf, keys } from '../../shared/store/keys';
import { useTables } from '../support/dynamo';
import { call, projectAuth, TELEPHONY } from '../support/http';

let env: Awaited<ReturnType<typeof useTables>>;
// 2026-03-09T22:30Z is already 2026-03-10 in Kyiv (UTC+2): the default billing start is Kyiv's today.
const NOW = Date.parse('2026-03-09T22:30:00Z');
beforeAll(async () => {
  env = await useTables();
  setRuntime({ now: () => NOW });
});

const count = async () => (await env.doc.send(new ScanCommand({ TableName: env.tables.PROJECTS_TABLE, Select: 'COUNT' }))).Count;

describe('POST /projects', () => {
  it('creates an active project with balance 0, the defaults, and a working project key', async () => {
    const res = await call(createProject, 'POST /projects', { body: { name: 'Acme' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ name: 'Acme', currency: 'UAH', balance: 0, creditLimit: 0, status: 'active', lastChargedDate: null, billingStartDate: '2026-03-10' });
    expect(res.body.projectId).toMatch(/^prj_/);
    const auth = await authorize({ headers: { authorization: `Bearer ${res.body.apiKey}` } } as unknown as APIGatewayRequestAuthorizerEventV2);
    expect(auth.context).toEqual({ role: 'project', projectId: res.body.projectId, apiKeyId: res.body.apiKeyId });
    const item = (await env.doc.send(new ScanCommand({ TableName: env.tables.PROJECTS_TABLE }))).Items!.find((i) => i.pk === keys.project(res.body.projectId).pk && i.sk === 'project')!;
    // Nothing charged yet: chargedThrough is the day before billing starts; the shard spreads the fan-out.
    expect(item).toMatchObject({ version: 0, chargedThrough: '2026-03-09', chargeShard: chargeShardOf(res.body.projectId), plans: [{ from: '2026-03-10', planId: 'standard', seq: 1 }] });
  });

  it('takes a credit limit and a past billing start', async () => {
    const res = await call(createProject, 'POST /projects', { body: { name: 'Old', currency: 'UAH', creditLimit: 5000, billingStartDate: '2026-01-15' } });
    expect(res.status).toBe(201);
    expect(res.body).toMatchObject({ creditLimit: 5000, billingStartDate: '2026-01-15', lastChargedDate: null });
  });

  it('replays a repeat with the same Idempotency-Key and refuses another body under it', async () => {
    const headers = { 'idempotency-key': 'create-acme-1' };
    const first = await call(createProject, 'POST /projects', { body: { name: 'Idem' }, headers });
    const again = await call(createProject, 'POST /projects', { body: { name: 'Idem' }, headers });
    expect(first.status).toBe(201);
    expect(again.status).toBe(201); // the first answer, its status too
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect(again.body.projectId).toBe(first.body.projectId);
    expect(again.body.apiKeyId).toBe(first.body.apiKeyId);
    expect(again.body.apiKey).toBeUndefined(); // never stored in clear, so never shown twice
    const other = await call(createProject, 'POST /projects', { body: { name: 'Other' }, headers });
    expect(other.status).toBe(409);
  });

  it('refuses bad input with 400 and the error body, creating nothing', async () => {
    const before = await count();
    const cases: [string, { body?: unknown; rawBody?: string }][] = [
      ['malformed JSON', { rawBody: '{"name": "x",' }],
      ['no body', { rawBody: '' }],
      ['missing name', { body: {} }],
      ['empty name', { body: { name: '  ' } }],
      ['name of the wrong type', { body: { name: 42 } }],
      ['unknown field', { body: { name: 'x', balance: 100 } }],
      ['negative credit limit', { body: { name: 'x', creditLimit: -1 } }],
      ['fractional credit limit', { body: { name: 'x', creditLimit: 10.5 } }],
      ['credit limit as a string', { body: { name: 'x', creditLimit: '100' } }],
      ['out-of-range credit limit', { body: { name: 'x', creditLimit: 2 ** 60 } }],
      ['bad date', { body: { name: 'x', billingStartDate: '2026-02-30' } }],
      ['bad currency', { body: { name: 'x', currency: 'uah' } }],
      ['a planId that is no slug', { body: { name: 'x', planId: 'Gold Plan' } }],
    ];
    for (const [what, opts] of cases) {
      const res = await call(createProject, 'POST /projects', opts);
      expect(res.status, what).toBe(400);
      expect(typeof res.body.error.code, what).toBe('string');
      expect(typeof res.body.error.message, what).toBe('string');
    }
    // A plan's currency must be the project's; an unknown plan is not found (docs/api.md).
    const mismatch = await call(createProject, 'POST /projects', { body: { name: 'x', currency: 'EUR' } });
    expect([mismatch.status, mismatch.body.error.code]).toEqual([409, 'currency_mismatch']);
    const unknown = await call(createProject, 'POST /projects', { body: { name: 'x', planId: 'gold' } });
    expect([unknown.status, unknown.body.error.code]).toEqual([404, 'not_found']);
    expect(await count()).toBe(before);
  });

  it('refuses a name with control, bidi-override or zero-width characters, saying which and where', async () => {
    const before = await count();
    const cases: [string, string, string][] = [
      ['Acme\u0000Kyiv', 'U+0000 NULL at character 5', 'NUL'],
      ['Acme\u0085', 'U+0085 control character at character 5', 'C1 control'],
      ['Acme\tKyiv', 'U+0009 TAB at character 5', 'C0 control'],
      ['Ac\ud800me', 'U+D800 lone surrogate at character 3', 'lone high surrogate'],
      ['Acme\udfff', 'U+DFFF lone surrogate at character 5', 'lone low surrogate'],
      ['invoice\u202Efdp.exe', 'U+202E RIGHT-TO-LEFT OVERRIDE at character 8', 'bidi override'],
      ['\u2066Acme\u2069', 'U+2066 LEFT-TO-RIGHT ISOLATE at character 1', 'bidi isolate'],
      ['Ac\u200Bme', 'U+200B ZERO WIDTH SPACE at character 3', 'zero-width space'],
      ['Acme\u2060', 'U+2060 WORD JOINER at character 5', 'word joiner'],
      // JSON.parse keeps a leading BOM and trim() would drop it silently: checked before trimming.
      ['\uFEFFAcme', 'U+FEFF ZERO WIDTH NO-BREAK SPACE (byte order mark) at character 1', 'BOM'],
      ['🙂\u200DAcme', 'U+200D ZERO WIDTH JOINER at character 2', 'position counted in characters, not UTF-16 units'],
    ];
    for (const [name, says, what] of cases) {
      const res = await call(createProject, 'POST /projects', { body: { name } });
      expect(res.status, what).toBe(400);
      expect(res.body.error.message, what).toContain(says);
      expect(res.body.error.details, what).toEqual([expect.objectContaining({ path: 'name' })]);
    }
    expect(await count()).toBe(before);
    // Letters of any script, emoji and inner spaces are names.
    const ok = await call(createProject, 'POST /projects', { body: { name: '  Київ — Acme 🙂 ' } });
    expect(ok.status).toBe(201);
    expect(ok.body.name).toBe('Київ — Acme 🙂');
  });

  it('is admin only', async () => {
    expect((await call(createProject, 'POST /projects', { auth: TELEPHONY, body: { name: 'x' } })).status).toBe(403);
    expect((await call(createProject, 'POST /projects', { auth: null, body: { name: 'x' } })).status).toBe(401);
  });
});

describe('GET /projects/{projectId}', () => {
  it('shows a project to an admin and to its own key, 403 to another project, 404 when unknown', async () => {
    const made = (await call(createProject, 'POST /projects', { body: { name: 'Seen' } })).body;
    const params = { projectId: made.projectId };
    const asAdmin = await call(getProject, 'GET /projects/{projectId}', { params });
    expect(asAdmin.status).toBe(200);
    expect(asAdmin.body).toEqual({ projectId: made.projectId, name: 'Seen', currency: 'UAH', balance: 0, creditLimit: 0, status: 'active', lastChargedDate: null, billingStartDate: '2026-03-10', creditBalance: 0 });
    expect((await call(getProject, 'GET /projects/{projectId}', { params, auth: projectAuth(made.projectId) })).status).toBe(200);
    expect((await call(getProject, 'GET /projects/{projectId}', { params, auth: projectAuth('prj_other') })).status).toBe(403);
    expect((await call(getProject, 'GET /projects/{projectId}', { params, auth: TELEPHONY })).status).toBe(403);
    expect((await call(getProject, 'GET /projects/{projectId}', { params, auth: null })).status).toBe(401);
    const missing = await call(getProject, 'GET /projects/{projectId}', { params: { projectId: 'prj_missing' } });
    expect(missing.status).toBe(404);
    expect(missing.body.error.code).toBe('not_found');
  });
});
