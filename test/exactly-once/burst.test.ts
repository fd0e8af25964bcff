/**
 * The busy project of the README's Performance section, as the API contract's load test sends it: a
 * burst of 2,000 events for one project in 20 POST /usage requests of 100, each request sent twice at
 * once (40 requests in flight), debited from the real stream by a poller running alongside, settles
 * to the exact balance. The settle time is printed, never asserted (the machine is shared).
 */
import { afterAll, beforeAll, expect, it } from 'vitest';
import { handler as postUsage } from '../../functions/api/post-usage';
import { debitStream } from '../../functions/usage/debit-usage';
import { DEBIT_BATCH_SIZE } from '../../shared/workers';
import { call, TELEPHONY } from '../support/http';
import { deliver, inserts } from '../support/stream';
import { costOf, expectSettled, paidProject, setup, usageEvents, type Env } from './fixtures';

let env: Env;
// A fresh emulator, as the in-memory twin has: on the run's, this file's tables would start their
// streams after every earlier file's records and write many times slower (test/support/dynamo.ts).
beforeAll(async () => { env = await setup({ ownEmulator: true }); });
afterAll(async () => { env.reader.close(); await env.stop(); });

it('settles a burst of 2,000 events sent twice concurrently to the exact balance', async () => {
  const paid = 1_000_000;
  const p = await paidProject(paid);
  const events = usageEvents(p, 2_000, 'burst');
  const requests = Array.from({ length: 20 }, (_, r) => events.slice(r * 100, (r + 1) * 100));

  const started = performance.now();
  let postedAt = 0;
  const posting = Promise.all([...requests, ...requests].map((batch) => call(postUsage, 'POST /usage', { auth: TELEPHONY, body: { events: batch } })))
    .then((r) => { postedAt = performance.now(); return r; });

  // The twin's poller in miniature: read what the stream has, hand it over in batches of the stream
  // mapping's size (the twin's poller and the stack use the same).
  const seen = new Set<string>();
  let invocations = 0;
  while (seen.size < events.length) {
    if (performance.now() - started > 120_000) throw new Error(`only ${seen.size} events reached the stream`);
    const fresh = inserts(await env.reader.read()).filter((r) => r.dynamodb?.NewImage?.projectId?.S === p);
    if (fresh.length === 0) { await new Promise((r) => setTimeout(r, 20)); continue; }
    invocations += (await deliver((e) => debitStream(e), fresh, { batchSize: DEBIT_BATCH_SIZE })).invocations;
    for (const r of fresh) seen.add(String(r.dynamodb?.NewImage?.eventId?.S));
  }
  const settledAt = performance.now();

  const answers = await posting;
  expect(answers.map((a) => a.status)).toEqual(Array(40).fill(202));
  expect(answers.reduce((s, a) => s + a.body.accepted, 0)).toBe(2_000);
  expect(answers.reduce((s, a) => s + a.body.duplicates, 0)).toBe(2_000);
  await expectSettled(env, p, paid, costOf(events));
  console.log(`burst: 4,000 events in 40 requests (2,000 unique) posted in ${Math.round(postedAt - started)} ms; balance exact after ${Math.round(settledAt - started)} ms (${invocations} debit invocations)`);
  // Room for the loop's own 120 s bound: the settle time is printed, not asserted by the default 60 s.
}, 180_000);
