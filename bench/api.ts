/**
 * `POST /usage` throughput on the local twin: the twin (DynamoDB Local, the real handlers behind its
 * HTTP server, the stream poller debiting in the background) in its own process on a free port, and
 * autocannon here: CONNECTIONS concurrent clients for DURATION_S seconds, each request 100 events
 * with unique eventIds, with a telephony key, for one paid project. Every request must be accepted
 * (202, 100 accepted): a run with errors or duplicates fails instead of printing a figure.
 *
 * There is no baseline in this line's format; the figure is the twin's, on this machine (DynamoDB
 * Local's per-item cost bounds it; `bench ingest` compares the ways of writing the events).
 * `npx tsx bench/api.ts` prints the line alone; BENCH_TWIN_PROF=<dir> writes a CPU profile of the
 * twin process there.
 */
import './quiet';
import { randomBytes } from 'node:crypto';
import autocannon from 'autocannon';
import { note, runAlone, whole } from './harness';
import { call, paidProject, startTwinProcess, stopTwinProcess, usageBodies } from './twin';

const CONNECTIONS = 8;
const DURATION_S = 10;
const EVENTS_PER_REQUEST = 100;

/** Returns `bench api: <N> req/s; p99 <M> ms`. */
export async function benchApi(): Promise<string> {
  const adminKey = `bench-admin-${randomBytes(16).toString('hex')}`;
  const { url, child } = await startTwinProcess(adminKey);
  const stopOnExit = () => child.kill('SIGTERM');
  process.once('exit', stopOnExit);
  try {
    const { telephonyKey, projectId } = await paidProject(url, adminKey, 'bench api');
    const body = usageBodies(projectId, EVENTS_PER_REQUEST);
    // One warm-up request per connection: handler modules load lazily on first use.
    for (let i = 0; i < CONNECTIONS; i++) await call(url, telephonyKey, 'POST', '/usage', JSON.parse(body()));

    let accepted = 0;
    let refused = 0;
    const result = await autocannon({
      url: `${url}/usage`,
      connections: CONNECTIONS,
      duration: DURATION_S,
      requests: [{
        method: 'POST',
        headers: { authorization: `Bearer ${telephonyKey}`, 'content-type': 'application/json' },
        setupRequest: (req) => ({ ...req, body: body() }),
        onResponse: (status, responseBody) => {
          if (status === 202 && (JSON.parse(responseBody) as { accepted?: number }).accepted === EVENTS_PER_REQUEST) accepted++;
          else refused++;
        },
      }],
    });
    if (result.errors > 0 || result.timeouts > 0 || result.non2xx > 0 || refused > 0) {
      throw new Error(`POST /usage under load: ${result.errors} errors, ${result.timeouts} timeouts, ${result.non2xx} non-2xx, ${refused} not fully accepted`);
    }
    const reqPerSec = result.requests.total / (result.duration || DURATION_S);
    note(`api: ${result.requests.total} requests (${accepted} checked, ${accepted * EVENTS_PER_REQUEST} events) in ${result.duration.toFixed(1)} s over ${CONNECTIONS} connections; latency p50 ${result.latency.p50} ms, p99 ${result.latency.p99} ms, max ${result.latency.max} ms`);
    return `bench api: ${whole(reqPerSec)} req/s; p99 ${Math.round(result.latency.p99)} ms`;
  } finally {
    process.removeListener('exit', stopOnExit);
    await stopTwinProcess(child);
  }
}

runAlone(module, benchApi);
