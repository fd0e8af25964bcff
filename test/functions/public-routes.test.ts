import { beforeAll, describe, expect, it } from 'vitest';
import { handler as getCatalog } from '../../functions/api/get-catalog';
import { handler as getHealth } from '../../functions/api/get-health';
import { handler as getOpenapi } from '../../functions/api/get-openapi';
import { useTables } from '../support/dynamo';
import { call, projectAuth, TELEPHONY } from '../support/http';
import { API } from '../../shared/http/routes';
import { createProject } from '../../shared/billing/projects';
import { storeContext } from '../../shared/store/context';

beforeAll(async () => { await useTables(); });

describe('GET /health', () => {
  it('answers ok without a key', async () => {
    const res = await call(getHealth, 'GET /health', { auth: null });
    expect(res.status).toBe(200);
    expect(res.body).toEqual({ status: 'ok' });
  });
});

describe('GET /openapi.json', () => {
  it('is an OpenAPI 3.1 document naming every route of the contract', async () => {
    const res = await call(getOpenapi, 'GET /openapi.json', { auth: null });
    expect(res.status).toBe(200);
    expect(res.body.openapi).toBe('3.1.0');
    for (const key of Object.keys(API)) {
      const [method, path] = key.split(' ') as [string, string];
      expect(res.body.paths[path]?.[method.toLowerCase()], key).toBeDefined();
    }
  });
});

describe('GET /catalog', () => {
  it('answers the standard plan\'s version in force to any role, and a project key its own plan\'s', async () => {
    const { project } = await createProject(storeContext(), { name: 'catalog reader', currency: 'UAH', creditLimit: 0, billingStartDate: '2026-01-01' });
    for (const auth of [TELEPHONY, projectAuth(project.projectId)]) {
      const res = await call(getCatalog, 'GET /catalog', { auth });
      expect(res.status).toBe(200);
      expect(res.body.currency).toBe('UAH');
      expect(res.body.tariff.calls.length).toBeGreaterThan(0);
      expect(res.body.products.map((p: { productId: string }) => p.productId)).toEqual(['telephony', 'calltracking', 'callback', 'analytics']);
      expect(res.body).toMatchObject({ planId: 'standard', version: 1, effectiveFrom: '2000-01-01' });
    }
    // A project key of a project that does not exist finds no plan.
    expect((await call(getCatalog, 'GET /catalog', { auth: projectAuth('prj_nobody') })).status).toBe(404);
  });

  it('answers 401 with the error body without a key', async () => {
    const res = await call(getCatalog, 'GET /catalog', { auth: null });
    expect(res.status).toBe(401);
    expect(res.body.error.code).toBe('unauthorized');
  });
});
