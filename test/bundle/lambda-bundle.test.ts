/**
 * A Lambda bundle as the stack builds it (the same esbuild options and aliases): the swapped-out
 * modules are gone from the graph, and the bundle loads and answers in a Lambda-like environment
 * (tracer on, credentials from the environment) — the stand-ins must not break a real invocation.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { beforeAll, describe, expect, it } from 'vitest';
import { LAMBDA_BUILD_OPTIONS } from '../../bench/bundle';
import type { TableNames } from '../../local/dynamo';
import { useTables } from '../support/dynamo';

let endpoint: string;
let tables: TableNames;
beforeAll(async () => { ({ endpoint, tables } = await useTables()); });

describe('a Lambda bundle with the stand-ins', () => {
  it('drops the default credential chain and semver, and still answers with the tracer on', async () => {
    const outfile = join(mkdtempSync(join(tmpdir(), 'paygo-bundle-')), 'get-catalog.js');
    const result = await build({ ...LAMBDA_BUILD_OPTIONS, entryPoints: ['functions/api/get-catalog.ts'], outfile, metafile: true });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.includes('node_modules/@aws-sdk/credential-provider-node/'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/@aws-sdk/credential-provider-sso/'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/semver/'))).toBe(false);
    // Issue 19: the event-stream serde and mnemonist's LRU are stood in for too (bundles ≤ 500 KB).
    expect(inputs.some((i) => i.includes('node_modules/@smithy/core/dist-es/submodules/event-streams/'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/mnemonist/'))).toBe(false);
    expect(inputs.some((i) => i.includes('node_modules/aws-xray-sdk-core/'))).toBe(true);

    const script = `
      const { handler } = require(${JSON.stringify(outfile)});
      const event = { version: '2.0', routeKey: 'GET /catalog', rawPath: '/catalog', headers: {},
        requestContext: { requestId: 'r1', authorizer: { lambda: { role: 'admin', apiKeyId: 'k' } }, http: { method: 'GET', path: '/catalog' } } };
      handler(event, { functionName: 'GetCatalog', awsRequestId: 'r1', getRemainingTimeInMillis: () => 3000 })
        .then((r) => { process.stdout.write(JSON.stringify({ status: r.statusCode, currency: JSON.parse(r.body).currency })); });`;
    const run = spawnSync(process.execPath, ['-e', script], {
      encoding: 'utf8',
      timeout: 30_000,
      env: {
        PATH: process.env.PATH, AWS_EXECUTION_ENV: 'AWS_Lambda_nodejs22.x', AWS_REGION: 'eu-central-1',
        AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_XRAY_CONTEXT_MISSING: 'IGNORE_ERROR',
        AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED: 'true', POWERTOOLS_METRICS_DISABLED: 'true',
        // The catalog is read from the Plans table: DynamoDB Local stands in for DynamoDB, reached the
        // way a deployed client reaches its service (credentials from the environment provider).
        AWS_ENDPOINT_URL_DYNAMODB: endpoint, ...tables,
      },
    });
    expect(run.status, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout.trim().split('\n').pop()!)).toEqual({ status: 200, currency: 'UAH' });
  });
});
