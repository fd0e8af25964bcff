/**
 * A webhook receiver to try paygo's events on one machine (README "Events and webhooks on your
 * machine"). It checks each delivery's signature as the Standard Webhooks specification says, with
 * node:crypto only (what any receiver can do without our code), answers 500 to the first `failFirst`
 * requests so the retries show, then 200, and prints each event once: a retried or redelivered
 * event carries the same `webhook-id`, which is what a receiver deduplicates by.
 *
 *   WEBHOOK_SECRET=whsec_… npx tsx examples/webhook-receiver.ts [port] [failFirst]
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How far a delivery's timestamp may be from our clock: an old signed request replayed is refused. */
const TOLERANCE_S = 5 * 60;

/** True when `body` was signed with `secret` (`whsec_` + base64) for this id and a recent timestamp. */
export function verifySignature(secret: string, headers: IncomingHttpHeaders, body: string, nowS = Date.now() / 1000): boolean {
  const id = headers['webhook-id'];
  const timestamp = headers['webhook-timestamp'];
  const signatures = headers['webhook-signature'];
  if (typeof id !== 'string' || typeof timestamp !== 'string' || typeof signatures !== 'string') return false;
  if (!/^\d+$/.test(timestamp) || Math.abs(nowS - Number(timestamp)) > TOLERANCE_S) return false;
  const key = Buffer.from(secret.replace(/^whsec_/, ''), 'base64');
  const expected = createHmac('sha256', key).update(`${id}.${timestamp}.${body}`).digest();
  // The header may carry several signatures (`v1,<base64>` separated by spaces) while a secret rotates.
  return signatures.split(' ').some((s) => {
    const [version, sig] = s.split(',');
    const given = Buffer.from(sig ?? '', 'base64');
    return version === 'v1' && given.length === expected.length && timingSafeEqual(given, expected);
  });
}

export interface Delivery {
  headers: IncomingHttpHeaders;
  body: string;
  webhookId: string;
  status: number;
  verified: boolean;
  /** The event, parsed; absent when the signature did not verify. */
  event?: { eventId: string; type: string; sequence: number; data: unknown };
}

export interface Receiver {
  /** The secret deliveries are checked with; settable, as a webhook's secret comes after its URL. */
  secret: string;
  server: Server;
  port: number;
  /** Every request, in arrival order. */
  deliveries: Delivery[];
  close(): Promise<void>;
}

/** Listens on 127.0.0.1:`port` (0: any free port). `print` gets one line per request. */
export async function startReceiver(opts: { secret: string; port?: number; failFirst?: number; print?: (line: string) => void }): Promise<Receiver> {
  const deliveries: Delivery[] = [];
  const seen = new Set<string>();
  // Assigned once the server listens; the handler reads its current secret per request.
  let receiver: Receiver;
  const server = createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => { body += c; });
    req.on('end', () => {
      const webhookId = String(req.headers['webhook-id']);
      const verified = verifySignature(receiver.secret, req.headers, body);
      // An unsigned request is refused; a signed one fails on purpose while failFirst lasts.
      const status = !verified ? 401 : deliveries.length < (opts.failFirst ?? 0) ? 500 : 200;
      const event = verified ? JSON.parse(body) as Delivery['event'] : undefined;
      deliveries.push({ headers: req.headers, body, webhookId, status, verified, ...(event ? { event } : {}) });
      const repeat = status === 200 && seen.has(webhookId);
      if (status === 200) seen.add(webhookId);
      opts.print?.(`${status} ${event ? `#${event.sequence} ${event.type} ${JSON.stringify(event.data)}` : 'signature did not verify'}${repeat ? ' (already seen: skipped)' : ''}`);
      res.writeHead(status).end();
    });
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', resolve);
  });
  receiver = {
    secret: opts.secret,
    server,
    port: (server.address() as AddressInfo).port,
    deliveries,
    close: () => new Promise((resolve) => server.close(() => resolve())),
  };
  return receiver;
}

if (require.main === module) {
  const secret = process.env.WEBHOOK_SECRET;
  if (!secret?.startsWith('whsec_')) {
    console.error('set WEBHOOK_SECRET to the secret POST /projects/{id}/webhooks answered (whsec_…)');
    process.exit(2);
  }
  const port = Number(process.argv[2] ?? 4000);
  const failFirst = Number(process.argv[3] ?? 2);
  startReceiver({ secret, port, failFirst, print: (line) => console.log(`receiver: ${line}`) })
    .then((r) => console.log(`receiver: listening on http://127.0.0.1:${r.port}/, answering 500 to the first ${failFirst === 1 ? 'delivery' : `${failFirst} deliveries`}`))
    .catch((e: unknown) => { console.error(`receiver: ${e instanceof Error ? e.message : String(e)}`); process.exit(1); });
}
