/**
 * GET /openapi.json passes Redocly's `recommended` ruleset with no error and no warning, as an API
 * consumer's tooling would check it. Offline: the document is linted from a string, with no $ref
 * leaving it.
 */
import { createConfig, lintFromString, type NormalizedProblem } from '@redocly/openapi-core';
import { describe, expect, it } from 'vitest';
import { openApiDocument, openApiDocumentAt, serverUrlOf } from '../../shared/http/openapi';

async function lint(doc: unknown): Promise<string[]> {
  const config = await createConfig({ extends: ['recommended'] });
  const problems: NormalizedProblem[] = await lintFromString({ source: JSON.stringify(doc), absoluteRef: 'openapi.json', config });
  return problems.map((p) => `${p.severity} ${p.ruleId} at ${p.location[0]?.pointer ?? '?'}: ${p.message}`);
}

describe("Redocly's recommended rules", () => {
  it('find nothing in the document as the code builds it', async () => {
    expect(await lint(openApiDocument())).toEqual([]);
  });

  it('find nothing in the document as the twin serves it, naming its own URL', async () => {
    expect(await lint(openApiDocumentAt('http://127.0.0.1:3000'))).toEqual([]);
  });

  it('are really applied: the faults of the document before issue 13 are found', async () => {
    const doc = openApiDocument() as { info: Record<string, unknown>; paths: Record<string, Record<string, { responses: Record<string, unknown> }>> };
    const { servers: _servers, ...noServers } = doc as Record<string, unknown>;
    const { license: _license, ...info } = doc.info;
    const health = doc.paths['/health']!.get!;
    const { 413: _413, 429: _429, ...healthResponses } = health.responses;
    const old = { ...noServers, info, paths: { ...doc.paths, '/health': { get: { ...health, responses: healthResponses } } } };
    const found = (await lint(old)).map((p) => p.split(' ').slice(0, 2).join(' '));
    expect(found.sort()).toEqual(['error no-empty-servers', 'warn info-license', 'warn operation-4xx-response']);
  });
});

describe('the server the document names', () => {
  it('is the URL the request came in on, as API Gateway describes it', () => {
    expect(serverUrlOf({ headers: { 'x-forwarded-proto': 'https' }, requestContext: { domainName: 'abc123.execute-api.eu-central-1.amazonaws.com' } }))
      .toBe('https://abc123.execute-api.eu-central-1.amazonaws.com');
    expect(serverUrlOf({ headers: { 'x-forwarded-proto': 'http' }, requestContext: { domainName: '127.0.0.1:3000' } })).toBe('http://127.0.0.1:3000');
    expect(serverUrlOf({ headers: { 'x-forwarded-proto': 'http' }, requestContext: { domainName: '[::1]:3000' } })).toBe('http://[::1]:3000');
  });

  it('is relative when the request does not say, or says something that is not a host', () => {
    expect(serverUrlOf({})).toBe('/');
    expect(serverUrlOf({ requestContext: { domainName: 'example.org' } })).toBe('/');
    for (const domainName of ['evil.example/path', 'a"><script>', 'host:port', 'user@host', '']) {
      expect(serverUrlOf({ headers: { 'x-forwarded-proto': 'https' }, requestContext: { domainName } }), domainName).toBe('/');
    }
    expect(serverUrlOf({ headers: { 'x-forwarded-proto': 'javascript' }, requestContext: { domainName: 'example.org' } })).toBe('/');
  });
});
