/**
 * The local twin, assembled: DynamoDB Local with the stack's tables, the HTTP API on the real handlers,
 * the usage stream poller feeding the debit handler, the events stream poller feeding the outbox
 * reader, the 00:05 schedule feeding the fan-out, an in-process charge queue feeding charge-day and an
 * in-process delivery queue feeding webhook delivery, which POSTs for real (to loopback receivers
 * too: the twin's one exception to the address rules). `startTwin` is what `npm start` runs and what
 * the tests start on a free port.
 */
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve as resolvePath } from 'node:path';
import { validateCurrency, validateTimeZone } from '../lib/billing-settings';
import { config, resetConfig } from '../shared/config';
import { ROUTES } from '../shared/http/routes';
import { WORKERS } from '../shared/workers';
import { logger } from '../shared/logger';
import { seedStandardPlan } from '../shared/billing/plans';
import { makeDocumentClient, resetRuntime, setRuntime } from '../shared/runtime';
import { fenceTransactions } from './durable-transactions';
import { storeContext } from '../shared/store/context';
import { checkAdminKey, generateAdminKey, keptAdminKey, registerAdminKey } from './admin-key';
import { InProcessChargeQueue, InProcessDeliveryQueue, type InProcessQueueOptions } from './queues';
import { createTables, killSpawnedNow, startDynamoLocal, type DynamoLocal, type TableNames } from './dynamo';
import { EventLog } from './event-log';
import { createHttpServer, type HttpServerOptions } from './http-server';
import { assertHandlerFiles, loadHandler } from './lambda';
import { checkPortFree } from './port';
import { localSecretBox } from './secret-box';
import { localPortalSigner } from './portal-signer';
import { setPortalSigner } from '../shared/billing/portal-token';
import { startScheduler, type Scheduler, type SchedulerOptions } from './scheduler';
import { startStreamPoller, type StreamPoller, type StreamPollerOptions } from './stream-poller';

export interface TwinOptions {
  /** 0 picks a free port. @default Number(process.env.PORT ?? 3000) */
  port?: number;
  /** @default process.env.HOST ?? '127.0.0.1' */
  host?: string;
  /** Persist DynamoDB Local's data here; in memory when absent. */
  dataDir?: string;
  /**
   * At least 32 characters, no whitespace.
   * @default process.env.PAYGO_ADMIN_KEY, else the key kept in `dataDir` (made on its first start), else a new key
   */
  adminKey?: string;
  /** @default process.env.BILLING_TIME_ZONE ?? 'Europe/Kyiv' */
  billingTimeZone?: string;
  /** @default process.env.CURRENCY ?? 'UAH' */
  currency?: string;
  /** Use a running DynamoDB Local instead of starting one (tests); the twin then never stops it. */
  dynamoEndpoint?: string;
  /** Table name prefix. @default 'paygo' */
  tablePrefix?: string;
  http?: Omit<HttpServerOptions, 'now'>;
  poller?: Omit<StreamPollerOptions, 'endpoint' | 'tableName'>;
  queue?: InProcessQueueOptions;
  deliveryQueue?: InProcessQueueOptions;
  scheduler?: Omit<SchedulerOptions, 'timeZone'> | false;
  /** Load every handler in the background once ready. @default true */
  warmUp?: boolean;
}

export interface Twin {
  /** Base URL of the HTTP API, no trailing slash. */
  url: string;
  port: number;
  adminKey: string;
  /** Whether this start generated the admin key (and so must print it). */
  adminKeyGenerated: boolean;
  /** The file in the data directory that keeps the admin key, when it is kept there. */
  adminKeyFile: string | undefined;
  dynamoEndpoint: string;
  /** The Java process of DynamoDB Local, when the twin started it. */
  dynamoPid: number | undefined;
  tables: TableNames;
  billingTimeZone: string;
  currency: string;
  events: EventLog;
  chargeQueue: InProcessChargeQueue;
  deliveryQueue: InProcessDeliveryQueue;
  poller: StreamPoller;
  /** The Events table's stream → the outbox reader. */
  eventsPoller: StreamPoller;
  scheduler: Scheduler | undefined;
  server: Server;
  /** Stops everything (idempotent): HTTP, schedule, poller, queue, then DynamoDB Local's process. */
  stop(): Promise<void>;
}

/**
 * SIGKILLs every DynamoDB Local this process started that still runs, one still starting included
 * (for `process.on('exit')` and crash handlers of the CLI).
 */
export function killDynamosNow(): void {
  killSpawnedNow();
}

/**
 * Starts the twin and resolves once `/health` can be served. The process environment gets the table
 * names and DynamoDB Local's endpoint before any handler module is loaded (they load lazily), so each
 * handler's config sees the twin's tables.
 */
export async function startTwin(opts: TwinOptions = {}): Promise<Twin> {
  const billingTimeZone = validateTimeZone(opts.billingTimeZone ?? process.env.BILLING_TIME_ZONE ?? 'Europe/Kyiv');
  const currency = validateCurrency(opts.currency ?? process.env.CURRENCY ?? 'UAH');
  const port = opts.port ?? Number(process.env.PORT ?? 3000);
  if (!Number.isInteger(port) || port < 0 || port > 65535) throw new Error(`PORT must be a port number, got ${String(opts.port ?? process.env.PORT)}`);
  const host = opts.host ?? process.env.HOST ?? '127.0.0.1';
  const givenKey = opts.adminKey || process.env.PAYGO_ADMIN_KEY || undefined;
  const givenKeySource = opts.adminKey ? 'the adminKey option' : 'PAYGO_ADMIN_KEY';
  if (givenKey !== undefined) checkAdminKey(givenKey, givenKeySource);
  // Before DynamoDB Local: a busy port is then one line at once, not an error after Java's start-up.
  await checkPortFree(port, host);

  let dynamo: DynamoLocal | undefined;
  const cleanups: (() => Promise<void>)[] = [];
  const cleanup = async () => {
    for (const c of cleanups.reverse()) await c().catch((e: unknown) => logger.warn('twin: stop step failed', { error: String(e) }));
    cleanups.length = 0;
  };
  try {
    // A handler file that is not there is a broken checkout: say so before anything starts.
    assertHandlerFiles(HANDLER_ENTRIES);
    let endpoint = opts.dynamoEndpoint;
    if (!endpoint) {
      dynamo = await startDynamoLocal(opts.dataDir ? { dataDir: opts.dataDir } : {});
      const d = dynamo;
      cleanups.push(() => d.stop());
      endpoint = d.endpoint;
    }
    const tables = await createTables(endpoint, opts.tablePrefix ?? 'paygo');

    Object.assign(process.env, tables, { DYNAMODB_ENDPOINT: endpoint, BILLING_TIME_ZONE: billingTimeZone, CURRENCY: currency, WEBHOOK_ALLOW_LOOPBACK: 'true' });
    // The twin injects its own bus, queues and secret box; a stray AWS setting must not send anything to AWS.
    delete process.env.EVENT_BUS_NAME;
    delete process.env.CHARGE_QUEUE_URL;
    delete process.env.DELIVERY_QUEUE_URL;
    resetConfig();
    resetRuntime();
    config();
    const doc = makeDocumentClient(endpoint);
    // On a data directory DynamoDB Local answers a transaction before it is on disk: wait for it.
    if (opts.dataDir) fenceTransactions(doc, tables);
    cleanups.push(async () => { doc.destroy(); });
    const events = new EventLog();
    const chargeQueue = new InProcessChargeQueue(opts.queue);
    cleanups.push(() => chargeQueue.stop());
    const deliveryQueue = new InProcessDeliveryQueue(opts.deliveryQueue);
    cleanups.push(() => deliveryQueue.stop());
    // With a data directory the key is kept there, so webhook secrets sealed before a restart still open.
    const secrets = localSecretBox(opts.dataDir ? { dataDir: resolvePath(opts.dataDir) } : {});
    setRuntime({ doc, events, chargeQueue, deliveryQueue, secrets, now: Date.now });
    setPortalSigner(localPortalSigner(opts.dataDir ? { dataDir: resolvePath(opts.dataDir) } : {}));

    const admin = givenKey !== undefined
      ? { key: givenKey, generated: false, file: undefined, source: givenKeySource, remedy: 'choose another key' }
      : dynamo && opts.dataDir
        ? keptKey(opts.dataDir)
        : { key: generateAdminKey(), generated: true, file: undefined, source: 'the generated admin key', remedy: 'start again' };
    await registerAdminKey(admin.key, admin.source, admin.remedy);
    // A new twin starts with the default prices as plan `standard`; persisted data keeps its own.
    await seedStandardPlan(storeContext(), currency);

    const poller = await startStreamPoller({ ...opts.poller, endpoint, tableName: tables.USAGE_TABLE });
    cleanups.push(() => poller.stop());
    const eventsPoller = await startStreamPoller({ ...opts.poller, endpoint, tableName: tables.EVENTS_TABLE, worker: WORKERS.relayEvents });
    cleanups.push(() => eventsPoller.stop());

    const scheduler = opts.scheduler === false ? undefined : startScheduler({ ...opts.scheduler, timeZone: billingTimeZone });
    if (scheduler) cleanups.push(() => scheduler.stop());

    const server = createHttpServer(opts.http);
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, host, () => { server.off('error', reject); resolve(); });
    });
    cleanups.push(() => new Promise<void>((resolve) => {
      server.close(() => resolve());
      // Keep-alive connections would hold close() open.
      server.closeAllConnections();
    }));
    const actualPort = (server.address() as AddressInfo).port;
    const urlHost = host.includes(':') ? `[${host}]` : host === '0.0.0.0' ? '127.0.0.1' : host;

    let stopping: Promise<void> | undefined;
    if (opts.warmUp !== false) void warmUp(() => stopping !== undefined);

    return {
      url: `http://${urlHost}:${actualPort}`,
      port: actualPort,
      adminKey: admin.key,
      adminKeyGenerated: admin.generated,
      adminKeyFile: admin.file,
      dynamoEndpoint: endpoint,
      dynamoPid: dynamo?.pid,
      tables,
      billingTimeZone,
      currency,
      events,
      chargeQueue,
      deliveryQueue,
      poller,
      eventsPoller,
      scheduler,
      server,
      stop: () => (stopping ??= cleanup()),
    };
  } catch (e) {
    await cleanup();
    throw e;
  }
}

/** Every handler file the twin calls. */
const HANDLER_ENTRIES = [...ROUTES.map((r) => r.entry), ...Object.values(WORKERS).map((w) => w.entry)];

function keptKey(dataDir: string) {
  const kept = keptAdminKey(resolvePath(dataDir));
  return {
    key: kept.key,
    generated: kept.created,
    file: kept.file,
    source: `the admin key kept in ${kept.file}`,
    remedy: `delete ${kept.file} to have a new one made, or set PAYGO_ADMIN_KEY`,
  };
}

/** Loads every handler now so the first requests are fast, and names the ones that cannot load. */
async function warmUp(stopped: () => boolean): Promise<void> {
  for (const entry of HANDLER_ENTRIES) {
    // Imports fail while the process shuts down (the loader goes first): not worth a word.
    if (stopped()) return;
    await loadHandler(entry).catch((e: unknown) => {
      if (!stopped()) logger.error('twin: a handler cannot be loaded; its requests answer 500', { entry, error: e instanceof Error ? e.message.split('\n')[0]! : String(e) });
    });
  }
}
