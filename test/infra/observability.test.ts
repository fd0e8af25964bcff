/**
 * Powertools in every function (issue 5 §4): every entry the stack deploys is wrapped, either by the
 * route factory or by `observed`, and the wrapping really logs with the Lambda context, flushes EMF
 * metrics in namespace `paygo` and keeps the tracer off outside Lambda. No DynamoDB needed.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import type { Context } from 'aws-lambda';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { REPO_ROOT } from '../../lib/constructs/paygo-function';
import { httpRoute, ok, type HttpEvent } from '../../shared/http/route';
import { ROUTES } from '../../shared/http/routes';
import { WORKERS } from '../../shared/workers';
import { logger, metrics, MetricUnit, observed, tracer } from '../../shared/observability';

// As Lambda sets it for an on-demand environment; Powertools reports a cold start only then. Hoisted
// above the imports, so the Metrics instance is built seeing it.
vi.hoisted(() => { process.env.AWS_LAMBDA_INITIALIZATION_TYPE = 'on-demand'; });

const context = (functionName: string): Context => ({
  callbackWaitsForEmptyEventLoop: true,
  functionName,
  functionVersion: '$LATEST',
  invokedFunctionArn: `arn:aws:lambda:eu-central-1:123456789012:function:${functionName}`,
  memoryLimitInMB: '512',
  awsRequestId: `req-${functionName}`,
  logGroupName: `/aws/lambda/${functionName}`,
  logStreamName: 'test',
  getRemainingTimeInMillis: () => 10_000,
  done: () => undefined,
  fail: () => undefined,
  succeed: () => undefined,
});

/** JSON lines written to stdout and stderr while `run` ran (logs and EMF documents). */
async function outputOf(run: () => Promise<unknown>): Promise<Record<string, any>[]> {
  const chunks: string[] = [];
  for (const stream of [process.stdout, process.stderr]) {
    vi.spyOn(stream, 'write').mockImplementation((chunk: string | Uint8Array) => { chunks.push(String(chunk)); return true; });
  }
  try {
    await run();
  } finally {
    vi.restoreAllMocks();
  }
  return chunks.join('').split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as Record<string, any>);
}

const emf = (lines: Record<string, any>[]) => lines.filter((l) => l._aws);

afterEach(() => vi.restoreAllMocks());

describe('every deployed entry point is wrapped', () => {
  const entries = [...ROUTES.map((r) => ({ name: r.name, entry: r.entry, by: /export const handler = httpRoute\(/ })),
    ...Object.values(WORKERS).map((w) => ({ name: w.name, entry: w.entry, by: /export const handler = observed\(/ }))];

  it.each(entries.map((e) => [e.name, e] as const))('%s', (_name, { entry, by }) => {
    const source = fs.readFileSync(path.join(REPO_ROOT, entry), 'utf8');
    expect(source).toMatch(by);
  });
});

describe('route factory', () => {
  const probe = httpRoute('GET /health').handler(async () => {
    logger.info('probe');
    metrics.addMetric('ProbeCount', MetricUnit.Count, 1);
    return ok({ status: 'ok' });
  });
  const event = { requestContext: { requestId: 'api-req' }, headers: { authorization: 'Bearer pg_secret' } } as unknown as HttpEvent;

  it('logs with the Lambda context, never the event, and flushes metrics (cold start included) to EMF', async () => {
    let response: unknown;
    const lines = await outputOf(async () => { response = await probe(event, context('GetHealth')); });
    expect(response).toMatchObject({ statusCode: 200 });
    const log = lines.find((l) => l.message === 'probe');
    expect(log).toMatchObject({ level: 'INFO', service: 'paygo', function_name: 'GetHealth', function_request_id: 'req-GetHealth' });
    expect(JSON.stringify(lines)).not.toContain('pg_secret');
    const docs = emf(lines);
    const app = docs.find((d) => 'ProbeCount' in d)!;
    expect(app).toMatchObject({ ProbeCount: 1, service: 'paygo' });
    expect(app._aws.CloudWatchMetrics[0]).toMatchObject({ Namespace: 'paygo', Dimensions: [['service']] });
    expect(docs.find((d) => 'ColdStart' in d)).toMatchObject({ ColdStart: 1, function_name: 'GetHealth', service: 'paygo' });
    expect(log?.cold_start).toBe(true);
  });

  it('keeps `.core` undecorated: nothing flushed', async () => {
    const lines = await outputOf(() => probe.core(event));
    expect(lines.find((l) => l.message === 'probe')).toBeDefined();
    expect(emf(lines)).toEqual([]);
    metrics.clearMetrics();
  });
});

describe('observed()', () => {
  it('passes event and context through and returns the result', async () => {
    const fn = vi.fn(async (event: { n: number }, ctx?: Pick<Context, 'getRemainingTimeInMillis'>) => event.n + (ctx ? ctx.getRemainingTimeInMillis() : 0));
    const handler = observed(fn);
    await outputOf(async () => {
      expect(await handler({ n: 1 }, context('Worker'))).toBe(10_001);
      // Called as tests and the twin do, without a context: the function sees none (not middy's `{}`).
      expect(await handler({ n: 2 })).toBe(2);
    });
    expect(fn.mock.calls[1]![1]).toBeUndefined();
  });

  it('rethrows what the function throws, after flushing its metrics', async () => {
    const handler = observed(async (_event: unknown, _context?: Context) => {
      metrics.addMetric('BeforeFailure', MetricUnit.Count, 3);
      throw new Error('boom');
    });
    let error: unknown;
    const lines = await outputOf(async () => { await handler({}, context('Failing')).catch((e: unknown) => { error = e; }); });
    expect(error).toMatchObject({ message: 'boom' });
    expect(emf(lines).find((d) => 'BeforeFailure' in d)).toMatchObject({ BeforeFailure: 3 });
  });

  it('does not warn when an invocation adds no metric (most do not)', async () => {
    const lines = await outputOf(() => observed(async (_event: unknown, _context?: Context) => 'ok')({}, context('Quiet')));
    expect(lines.filter((l) => l.level === 'WARN')).toEqual([]);
    expect(JSON.stringify(lines)).not.toContain('No application metrics');
  });
});

describe('tracer', () => {
  it('is off outside Lambda (no AWS_EXECUTION_ENV), so tests and the twin need no X-Ray daemon', () => {
    expect(process.env.AWS_EXECUTION_ENV).toBeUndefined();
    expect(tracer.isTracingEnabled()).toBe(false);
  });
});
