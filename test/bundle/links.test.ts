/**
 * The EventBridge and SQS clients are linked only into the functions that use them (shared/event-bus.ts,
 * shared/charge-queue.ts register themselves with shared/runtime.ts when imported). Checked on the
 * real esbuild graph, both ways: a function declared `events` (so it gets EVENT_BUS_NAME) must link
 * the publisher, or its events would fail at publish time; any other function must not carry it.
 * The same for `chargeQueue` and the SQS client. Also checks the registry behind runtime().
 */
import { build } from 'esbuild';
import { afterEach, describe, expect, it } from 'vitest';
import { resetConfig } from '../../shared/config';
import { ROUTES } from '../../shared/http/routes';
import { WORKERS } from '../../shared/workers';
import { registerDefaultChargeQueue, registerDefaultPublisher, resetRuntime, runtime, type ChargeMessage } from '../../shared/runtime';
import { type DomainEvent } from '../../shared/domain/events';

interface Declared { entry: string; events: boolean; chargeQueue: boolean }

const functions: Declared[] = [
  ...ROUTES.map((r) => ({ entry: r.entry, events: r.events === true, chargeQueue: r.chargeQueue === true })),
  ...Object.values(WORKERS).map((w) => ({ entry: w.entry, events: 'events' in w && w.events === true, chargeQueue: 'chargeQueue' in w && w.chargeQueue === true })),
];

describe('what each function bundles', () => {
  it('links the EventBridge client exactly into the functions declared `events`, SQS exactly into `chargeQueue`', async () => {
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
      return { entry: f.entry, events: links(inputs, '@aws-sdk/client-eventbridge'), chargeQueue: links(inputs, '@aws-sdk/client-sqs') };
    });
    expect(actual).toEqual(functions);
    // Not vacuous: both kinds exist among the declarations.
    expect(functions.some((f) => f.events) && functions.some((f) => !f.events)).toBe(true);
    expect(functions.some((f) => f.chargeQueue) && functions.some((f) => !f.chargeQueue)).toBe(true);
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
    const published: [string, DomainEvent[]][] = [];
    const sent: [string, ChargeMessage[]][] = [];
    let made = 0;
    registerDefaultPublisher((bus) => { made++; return { publish: async (e) => { published.push([bus, e]); } }; });
    registerDefaultChargeQueue((url) => { made++; return { send: async (m) => { sent.push([url, m]); } }; });
    const event: DomainEvent = { type: 'BalanceLow', detail: { projectId: 'p1', currency: 'UAH', balance: 0, creditLimit: 0, threshold: 100 } };
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
    await runtime().events.publish([{ type: 'BalanceLow', detail: { projectId: 'p1', currency: 'UAH', balance: 0, creditLimit: 0, threshold: 100 } }]);
    expect(made).toBe(0);
    await expect(runtime().chargeQueue.send([{ projectId: 'p1', date: '2026-03-01' }])).rejects.toThrow(/CHARGE_QUEUE_URL is not set/);
  });
});
