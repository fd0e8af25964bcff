/**
 * The feed can be resumed (issue 19 §7): every page of GET /projects/{id}/events carries `resumeAfter`,
 * on the last page too (where `nextCursor` is null), so a poller asking again with it later gets
 * exactly the events that are newer, none twice, none lost; with a `type` filter as well.
 */
import { beforeAll, expect, it } from 'vitest';
import { billingEnv } from '../support/billing';
import { callApi } from './api';
import { makeWorld, type World } from './world';

let w: World;

beforeAll(async () => {
  await billingEnv('2026-03-10T10:00:00Z');
  w = await makeWorld('resume');
});

const pay = (paymentId: string) => callApi('POST', `/projects/${w.a.id}/payments`, { key: w.admin, body: { paymentId, amount: 100 } });

it('is null only before the first event, then a cursor on every page that resumes with the newer events', async () => {
  const empty = await callApi('GET', `/projects/${w.a.id}/events`, { key: w.a.key });
  expect(empty.body).toMatchObject({ events: [], nextCursor: null, resumeAfter: null });
  await pay('resume-1');
  await pay('resume-2');
  const first = await callApi('GET', `/projects/${w.a.id}/events`, { key: w.a.key, query: { limit: '1' } });
  expect(first.body.resumeAfter).toBe(first.body.nextCursor);
  const last = await callApi('GET', `/projects/${w.a.id}/events`, { key: w.a.key, query: { after: first.body.nextCursor } });
  expect(last.body.nextCursor).toBeNull();
  expect(last.body.resumeAfter).toEqual(expect.any(String));
  // Nothing newer yet: an empty page that still says where to resume.
  const idle = await callApi('GET', `/projects/${w.a.id}/events`, { key: w.a.key, query: { after: last.body.resumeAfter } });
  expect(idle.body).toMatchObject({ events: [], nextCursor: null, resumeAfter: last.body.resumeAfter });
  await pay('resume-3');
  const newer = await callApi('GET', `/projects/${w.a.id}/events`, { key: w.a.key, query: { after: idle.body.resumeAfter } });
  expect(newer.body.events.map((e: { data: { paymentId: string } }) => e.data.paymentId)).toEqual(['resume-3']);
});

it('with a type filter, resumes after the events the filter left out too', async () => {
  const page = await callApi('GET', `/projects/${w.b.id}/events`, { key: w.b.key, query: { type: 'product.changed' } });
  expect(page.body.events).toEqual([]);
  await callApi('POST', `/projects/${w.b.id}/payments`, { key: w.admin, body: { paymentId: 'resume-b-1', amount: 100 } });
  const filtered = await callApi('GET', `/projects/${w.b.id}/events`, { key: w.b.key, query: { type: 'product.changed' } });
  expect(filtered.body.events).toEqual([]);
  expect(filtered.body.resumeAfter).toEqual(expect.any(String));
  await callApi('PUT', `/projects/${w.b.id}/products/callback`, { key: w.b.key, body: { enabled: true } });
  const next = await callApi('GET', `/projects/${w.b.id}/events`, { key: w.b.key, query: { after: filtered.body.resumeAfter } });
  expect(next.body.events.map((e: { type: string }) => e.type)).toEqual(['product.changed']);
});
