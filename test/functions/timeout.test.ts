/**
 * A request past its time answers docs/api.md's 503 `timeout` (issue 19 §6), never the 500 middy's own
 * early-timeout error became: the route factory answers it just before the function's limit, on the
 * twin and on AWS alike (both run the same middy handler with the Lambda context's remaining time).
 */
import type { Context } from 'aws-lambda';
import { expect, it } from 'vitest';
import { httpRoute, ok, TIMEOUT_MARGIN_MS } from '../../shared/http/route';
import { apiEvent } from '../support/http';

it('answers 503 timeout with Retry-After when the handler is still running near the limit', async () => {
  // A handler that never answers: only the time limit can end the request.
  const hung = httpRoute('GET /health').handler(() => new Promise(() => {}));
  const context = { functionName: 'test', awsRequestId: 'test', getRemainingTimeInMillis: () => TIMEOUT_MARGIN_MS + 50 } as unknown as Context;
  const res = await hung(apiEvent('GET /health'), context);
  expect(res.statusCode).toBe(503);
  expect(res.headers?.['retry-after']).toBe('1');
  expect(JSON.parse(String(res.body))).toMatchObject({ error: { code: 'timeout' } });
});

it('answers as usual when the handler is done in time', async () => {
  const quick = httpRoute('GET /health').handler(async () => ok({ status: 'ok' }));
  const context = { functionName: 'test', awsRequestId: 'test', getRemainingTimeInMillis: () => 30_000 } as unknown as Context;
  expect((await quick(apiEvent('GET /health'), context)).statusCode).toBe(200);
});
