/**
 * The twin's GET /openapi.json names the twin as its server, from the request as API Gateway would
 * describe it (domain name and x-forwarded-proto), through the real handler of the route.
 */
import type { AddressInfo } from 'node:net';
import { request, type Server } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createHttpServer } from '../../local/http-server';
import { ROUTES } from '../../shared/http/routes';

let server: Server;
let port: number;

beforeAll(async () => {
  server = createHttpServer({ routes: ROUTES.filter((r) => r.path === '/openapi.json') });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  port = (server.address() as AddressInfo).port;
});
afterAll(async () => { await new Promise((r) => server.close(r)); });

/** node:http, because fetch will not send a Host header of the caller's choosing. */
function servers(headers: Record<string, string> = {}): Promise<unknown> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, path: '/openapi.json', headers }, (res) => {
      let text = '';
      res.setEncoding('utf8').on('data', (c: string) => { text += c; }).on('end', () => resolve((JSON.parse(text) as { servers: unknown }).servers));
    });
    req.on('error', reject).end();
  });
}

describe('the twin serving /openapi.json', () => {
  it('names the URL it was asked on, over http whatever the client claims', async () => {
    expect(await servers()).toEqual([{ url: `http://127.0.0.1:${port}` }]);
    expect(await servers({ host: `localhost:${port}`, 'x-forwarded-proto': 'https' })).toEqual([{ url: `http://localhost:${port}` }]);
  });

  it('falls back to a relative server for a Host that is not a host', async () => {
    expect(await servers({ host: 'evil.example/"><script>' })).toEqual([{ url: '/' }]);
  });
});
