/**
 * The EventBridge, SQS and KMS clients are linked only into the functions that use them
 * (shared/aws/event-bus.ts, charge-queue.ts, delivery-queue.ts, kms-secret-box.ts register themselves
 * with shared/runtime.ts when imported). Checked on the real esbuild graph, both ways: a function
 * declared `events` (so it gets EVENT_BUS_NAME) must link the publisher, or its events would fail at
 * publish time; any other function must not carry it. The same for a queue and the SQS client, and
 * for webhook secrets and the KMS client. Also checks the registry behind runtime().
 */
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { resetConfig } from '../../shared/config';
import { ROUTES } from '../../shared/http/routes';
import { WORKERS } from '../../shared/workers';
import { registerDefaultChargeQueue, registerDefaultPublisher, resetRuntime, runtime, type ChargeMessage } from '../../shared/runtime';
import { type BusEvent } from '../../shared/runtime';

interface Declared { entry: string; events: boolean; queue: boolean; kms: boolean }

type Flags = { events?: boolean; chargeQueue?: boolean; deliveryQueue?: boolean; webhookSecrets?: string };
/** The portal's signer is KMS too (shared/aws/kms-portal-signer.ts): the route that makes links and the authorizer that checks them. */
const PORTAL_SIGNERS = new Set(['functions/api/create-portal-session.ts', WORKERS.authorizer.entry]);
const declaredOf = (entry: string, f: Flags): Declared => ({
  entry, events: f.events === true, queue: f.chargeQueue === true || f.deliveryQueue === true, kms: f.webhookSecrets !== undefined || PORTAL_SIGNERS.has(entry),
});
const functions: Declared[] = [
  ...ROUTES.map((r) => declaredOf(r.entry, r)),
  ...Object.values(WORKERS).map((w) => declaredOf(w.entry, w as Flags)),
];

describe('what each function bundles', () => {
  it('links the EventBridge client exactly into the functions declared `events`, SQS into those with a queue, KMS into those with webhook secrets', async () => {
    const result = await build({
      entryPoints: functions.map((f) => f.entry),
      bundle: true, platform: 'node', target: 'node22', format: 'cjs', mainFields: ['module', 'main'],
      write: false, outdir: 'out', metafile: true, logLevel: 'silent',
    });
    const inputsOf = (entry: string) => {
      const out = Object.values(result.metafile.outputs).find((o) => o.entryPoint === entry);
      if (!out) throw new Error(`no output for ${entry}`);
      return Object.keys(out.inputs);
    };
    const links = (inputs: string[], pkg: string) => inputs.some((i) => i.includes(`node_modules/${pkg}/`));
    const actual = functions.map((f) => {
      const inputs = inputsOf(f.entry);
      return { entry: f.entry, events: links(inputs, '@aws-sdk/client-eventbridge'), queue: links(inputs, '@aws-sdk/client-sqs'), kms: links(inputs, '@aws-sdk/client-kms') };
    });
    expect(actual).toEqual(functions);
    // Not vacuous: both kinds exist among the declarations.
    for (const k of ['events', 'queue', 'kms'] as const) expect(functions.some((f) => f[k]) && functions.some((f) => !f[k]), k).toBe(true);
    // Bundling every function takes ~30 s alone and has timed out at 60 s beside other test files on 2 cores.
  }, 180_000);
});

describe('what the webhook delivery bundles', () => {
  // It reads instants' days but never asks where a day begins: TZDate (shared/domain/day-bounds.ts),
  // whose module builds its prototype at load and so stays in any bundle that imports it, is not linked.
  it('links the time zone offsets but not TZDate', async () => {
    const result = await build({
      entryPoints: [WORKERS.deliverWebhooks.entry],
      bundle: true, platform: 'node', target: 'node22', format: 'cjs', mainFields: ['module', 'main'],
      write: false, outdir: 'out', metafile: true, logLevel: 'silent',
    });
    const inputs = Object.keys(result.metafile.inputs);
    expect(inputs.some((i) => i.startsWith('shared/domain/billing-days.ts'))).toBe(true);
    expect(inputs.filter((i) => i.includes('node_modules/@date-fns/tz/date/') || i === 'shared/domain/day-bounds.ts')).toEqual([]);
  }, 60_000);
});

describe('runtime() defaults', () => {
  const saved = { bus: process.env.EVENT_BUS_NAME, queue: process.env.CHARGE_QUEUE_URL };
  afterEach(() => {
    for (const [k, v] of [['EVENT_BUS_NAME', saved.bus], ['CHARGE_QUEUE_URL', saved.queue]] as const) {
      if (v === undefined) delete process.env[k]; else process.env[k] = v;
    }
    resetConfig();
    resetRuntime();
  });

  it('publish and send go through the registered EventBridge and SQS factories, made once', async () => {
    process.env.EVENT_BUS_NAME = 'bus-1';
    process.env.CHARGE_QUEUE_URL = 'https://sqs.example/queue-1';
    resetConfig();
    resetRuntime();
    const published: [string, BusEvent[]][] = [];
    const sent: [string, ChargeMessage[]][] = [];
    let made = 0;
    registerDefaultPublisher((bus) => { made++; return { publish: async (e) => { published.push([bus, e]); } }; });
    registerDefaultChargeQueue((url) => { made++; return { send: async (m) => { sent.push([url, m]); } }; });
    const event: BusEvent = { type: 'balance.low', detail: { projectId: 'p1', data: { balance: 0, threshold: 100 } } };
    await runtime().events.publish([event]);
    await runtime().events.publish([event]);
    await runtime().events.publish([]);
    await runtime().chargeQueue.send([{ projectId: 'p1', date: '2026-03-01' }]);
    expect(published).toEqual([['bus-1', [event]], ['bus-1', [event]]]);
    expect(sent).toEqual([['https://sqs.example/queue-1', [{ projectId: 'p1', date: '2026-03-01' }]]]);
    expect(made).toBe(2);
  });

  it('without EVENT_BUS_NAME nothing is published, and without CHARGE_QUEUE_URL sending fails loudly', async () => {
    delete process.env.EVENT_BUS_NAME;
    delete process.env.CHARGE_QUEUE_URL;
    resetConfig();
    resetRuntime();
    let made = 0;
    registerDefaultPublisher(() => { made++; return { publish: async () => undefined }; });
    await runtime().events.publish([{ type: 'balance.low', detail: { projectId: 'p1', data: { balance: 0, threshold: 100 } } }]);
    expect(made).toBe(0);
    await expect(runtime().chargeQueue.send([{ projectId: 'p1', date: '2026-03-01' }])).rejects.toThrow(/CHARGE_QUEUE_URL is not set/);
  });
});
