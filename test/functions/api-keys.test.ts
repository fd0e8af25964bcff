import { beforeAll, describe, expect, it } from 'vitest';
import { GetCommand, ScanCommand } from '@aws-sdk/lib-dynamodb';
import { handler as createApiKey } from '../../functions/api/create-api-key';
import { handler as deleteApiKey } from '../../functions/api/delete-api-key';
import { authorize, bearerKey, handler as authorizeHandler } from '../../functions/auth/authorize-key';
import type { APIGatewayRequestAuthorizerEventV2 } from 'aws-lambda';
import { storeContext } from '../../shared/store/context';
import { hashApiKey, keys } from '../../shared/store/keys';
import { useTables } from '../support/dynamo';
import { call, projectAuth, TELEPHONY } from '../support/http';
import { ensureAdminKey } from '../../shared/billing/api-keys';
import { createProject } from '../../shared/billing/projects';

let env: Awaited<ReturnType<typeof useTables>>;
let projectId: string;
beforeAll(async () => {
  env = await useTables();
  ({ project: { projectId } } = await createProject(storeContext(), { name: 'keys', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-03-01' }));
});

const authEvent = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as unknown as APIGatewayRequestAuthorizerEventV2;

describe('POST /api-keys', () => {
  it('makes keys of each role, shown once and stored only as a hash', async () => {
    for (const body of [{ role: 'admin' }, { role: 'telephony' }, { role: 'project', projectId }]) {
      const res = await call(createApiKey, 'POST /api-keys', { body });
      expect(res.status).toBe(201);
      expect(res.body).toMatchObject(body);
      expect(res.body.apiKey).toMatch(/^pg_[A-Za-z0-9_-]{43}$/);
      const stored = await env.doc.send(new GetCommand({ TableName: env.tables.PROJECTS_TABLE, Key: keys.apiKey(hashApiKey(res.body.apiKey)) }));
      expect(stored.Item).toMatchObject({ apiKeyId: res.body.apiKeyId, role: body.role });
      // The key itself appears nowhere in the table.
      const all = await env.doc.send(new ScanCommand({ TableName: env.tables.PROJECTS_TABLE }));
      expect(JSON.stringify(all.Items)).not.toContain(res.body.apiKey);
    }
  });

  it('refuses a project key without a project (400), for an unknown one (404), and a projectId on other roles (400)', async () => {
    const before = await env.doc.send(new ScanCommand({ TableName: env.tables.PROJECTS_TABLE, Select: 'COUNT' }));
    expect((await call(createApiKey, 'POST /api-keys', { body: { role: 'project' } })).status).toBe(400);
    const unknown = await call(createApiKey, 'POST /api-keys', { body: { role: 'project', projectId: 'prj_nope' } });
    expect(unknown.status).toBe(404);
    const scoped = await call(createApiKey, 'POST /api-keys', { body: { role: 'telephony', projectId } });
    expect(scoped.status).toBe(400);
    expect(scoped.body.error.code).toBe('validation_failed');
    const bad = await call(createApiKey, 'POST /api-keys', { body: { role: 'root' } });
    expect(bad.status).toBe(400);
    const extra = await call(createApiKey, 'POST /api-keys', { body: { role: 'admin', label: 'x' } });
    expect(extra.status).toBe(400);
    const after = await env.doc.send(new ScanCommand({ TableName: env.tables.PROJECTS_TABLE, Select: 'COUNT' }));
    expect(after.Count).toBe(before.Count);
  });

  it('is admin only: 403 for telephony and project keys, 401 without a key', async () => {
    expect((await call(createApiKey, 'POST /api-keys', { auth: TELEPHONY, body: { role: 'admin' } })).status).toBe(403);
    expect((await call(createApiKey, 'POST /api-keys', { auth: projectAuth(projectId), body: { role: 'admin' } })).status).toBe(403);
    expect((await call(createApiKey, 'POST /api-keys', { auth: null, body: { role: 'admin' } })).status).toBe(401);
  });
});

describe('the authorizer and DELETE /api-keys/{apiKeyId}', () => {
  it('maps a known key to its role and project, and stops after revocation', async () => {
    const made = (await call(createApiKey, 'POST /api-keys', { body: { role: 'project', projectId } })).body;
    const ok = await authorizeHandler(authEvent(`Bearer ${made.apiKey}`));
    expect(ok).toEqual({ isAuthorized: true, context: { role: 'project', projectId, apiKeyId: made.apiKeyId } });
    const res = await call(deleteApiKey, 'DELETE /api-keys/{apiKeyId}', { params: { apiKeyId: made.apiKeyId } });
    expect(res.status).toBe(204);
    expect(await authorize(authEvent(`Bearer ${made.apiKey}`))).toEqual({ isAuthorized: true, context: {} });
    // Revoking again is harmless.
    expect((await call(deleteApiKey, 'DELETE /api-keys/{apiKeyId}', { params: { apiKeyId: made.apiKeyId } })).status).toBe(204);
  });

  it('answers an empty context (the route then says 401) for missing, malformed and unknown keys', async () => {
    for (const h of [undefined, 'Basic abc', 'Bearer', 'Bearer pg_unknown']) {
      expect(await authorize(authEvent(h))).toEqual({ isAuthorized: true, context: {} });
    }
    expect(bearerKey('bearer  pg_abc ')).toBe('pg_abc');
  });

  it('answers 404 for an unknown key id, and only an admin may revoke', async () => {
    const res = await call(deleteApiKey, 'DELETE /api-keys/{apiKeyId}', { params: { apiKeyId: 'ak_nope' } });
    expect(res.status).toBe(404);
    expect(res.body.error.code).toBe('not_found');
    expect((await call(deleteApiKey, 'DELETE /api-keys/{apiKeyId}', { auth: TELEPHONY, params: { apiKeyId: 'ak_nope' } })).status).toBe(403);
  });

  it('ensureAdminKey stores a given admin key once and keeps its id', async () => {
    const key = 'pg_local-admin-key-for-tests';
    const first = await ensureAdminKey(storeContext(), key);
    const second = await ensureAdminKey(storeContext(), key);
    expect(second.apiKeyId).toBe(first.apiKeyId);
    expect(await authorize(authEvent(`Bearer ${key}`))).toEqual({ isAuthorized: true, context: { role: 'admin', apiKeyId: first.apiKeyId } });
  });
});
