/**
 * The model test's fault injector: one document client (built on test/support/faulty-doc.ts) that the
 * handlers get through setRuntime, deciding per DynamoDB call whether to fail it, and how.
 *
 * Faults, as docs/reliability.md lists them:
 * - `conflict-cancel`: a TransactWrite cancelled with TransactionConflict (or ThrottlingError) reasons;
 * - `conflict`: TransactionConflictException on a single write (it collided with a transaction);
 * - `throttle`: ProvisionedThroughputExceededException (what is left after the SDK's own retries);
 * - `timeout-before`: the request never reached DynamoDB;
 * - `lost-answer`: the request WAS executed (the write committed) and the caller got a timeout;
 * - `crash-before` / `crash-after`: the function dies just before / just after one of its writes.
 *   A crash is a non-transient error, and the invocation is dead from then on: every later call it
 *   makes fails too (its concurrent workers included), as when Lambda kills the sandbox. Writes that
 *   were in flight still land, like a real request already on the wire;
 * - `interleave`: just before a transaction that moves a project's balance, another writer (a
 *   payment, through the store with the plain client) commits on the same project, so the
 *   transaction's version condition fails and the function must read again. The payment is
 *   reported (`takeInterleaved`) so the model adds it too.
 *
 * Decisions are a hash of (the step's seed, the invocation's name, the call's identity, how many times
 * that identity was sent in the step), never of the order calls happen to be made in, so a step's
 * faults are the same on a replay even where the code runs calls concurrently. The step's seed comes
 * from fast-check, so the run's seed replays the faults. A step has a budget of faults: once spent the
 * outage is over, which guarantees every retry loop ends.
 *
 * Invocations are tracked with AsyncLocalStorage: `invoke(name, fn)` runs one handler invocation and
 * waits, after it returns, for every call it still had on the wire, so no orphaned write of a crashed
 * invocation lands after the step is checked.
 */
import { AsyncLocalStorage } from 'node:async_hooks';
import { ProvisionedThroughputExceededException, TransactionCanceledException } from '@aws-sdk/client-dynamodb';
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import { conflictException, faultyDoc, timeout, type Injection, type SentCommand } from '../support/faulty-doc';

export type FaultKind = 'conflict-cancel' | 'conflict' | 'throttle' | 'timeout-before' | 'lost-answer' | 'crash-before' | 'crash-after' | 'interleave';
export const FAULT_KINDS: readonly FaultKind[] = ['conflict-cancel', 'conflict', 'throttle', 'timeout-before', 'lost-answer', 'crash-before', 'crash-after', 'interleave'];

/** A payment another writer committed between a function's read of a project and its transaction. */
export interface InterleavedPayment {
  projectId: string;
  paymentId: string;
  amount: number;
  balanceAfter: number;
  date: string;
}

/** One handler invocation (an HTTP request, a stream batch, an SQS batch, a scheduled run). */
export interface Invocation {
  name: string;
  /** Crashed: every further call fails. */
  dead: boolean;
  /** A write of this invocation may have committed without its caller knowing (lost answer or crash). */
  ambiguous: boolean;
  /** Write calls that reached DynamoDB and committed (answered or not). */
  committedWrites: number;
  faults: FaultKind[];
  /** Charge messages the invocation sent (the fan-out), routed here instead of the shared queue. */
  sent?: unknown[];
  inflight: Set<Promise<unknown>>;
}

export interface Outcome<T> {
  ok: boolean;
  value?: T;
  error?: unknown;
  inv: Invocation;
}

/** How hard a step is hit: 0 no faults, 1 normal, 2+ a storm. `budget` caps the faults of the step. */
export interface StepFaults {
  seed: number;
  intensity: number;
  budget: number;
}

export class InjectedCrash extends Error {
  constructor(where: string) {
    super(`injected crash ${where}`);
    this.name = 'InjectedCrash';
  }
}

const WRITES = new Set(['PutCommand', 'UpdateCommand', 'DeleteCommand', 'TransactWriteCommand', 'BatchWriteCommand']);

/** Probability per call at intensity 1. Writes are where the interesting faults are. */
const WRITE_RATES: readonly [FaultKind, number][] = [
  ['interleave', 0.03], // TransactWrites that update a project item only
  ['conflict-cancel', 0.05], // TransactWrite only; other writes fall through to the next kinds
  ['conflict', 0.01],
  ['throttle', 0.015],
  ['timeout-before', 0.01],
  ['lost-answer', 0.02],
  ['crash-before', 0.006],
  ['crash-after', 0.006],
];
const READ_RATES: readonly [FaultKind, number][] = [
  ['throttle', 0.015],
  ['timeout-before', 0.01],
  ['lost-answer', 0.005],
  ['crash-before', 0.003],
];

/** FNV-1a, 32 bits: enough to spread decisions; not cryptographic. */
export function hash32(s: string): number {
  let h = 0x811c9dc5;
  for (let i = 0; i < s.length; i++) {
    h ^= s.charCodeAt(i);
    h = Math.imul(h, 0x01000193);
  }
  // A final avalanche so nearby strings do not give nearby numbers.
  h ^= h >>> 16;
  h = Math.imul(h, 0x85ebca6b);
  h ^= h >>> 13;
  h = Math.imul(h, 0xc2b2ae35);
  h ^= h >>> 16;
  return h >>> 0;
}

function unit(s: string): number {
  return hash32(s) / 0x1_0000_0000;
}

type Keyed = { pk?: unknown; sk?: unknown };

/**
 * Keys without what differs between two runs of the same seed (random API key hashes, change UUIDs,
 * the instant in a delivery attempt's key, which retry jitter moves).
 */
function stableKey(k: Keyed | undefined): string {
  if (!k) return '';
  const pk = String(k.pk ?? '');
  const sk = k.sk === undefined ? '' : String(k.sk);
  if (pk.startsWith('apikey')) return 'apikey';
  if (sk.startsWith('attempt#')) return `${pk}/attempt#${sk.slice(sk.indexOf('#', 'attempt#'.length) + 1)}`;
  return `${pk}/${sk.startsWith('change#') ? sk.slice(0, sk.lastIndexOf('#')) : sk}`;
}

/** Webhook ids are random: `wh_…` becomes its order of creation in the run (see FaultInjector.aliasWebhook). */
const WEBHOOK_ID = /wh_[A-Za-z0-9_-]{16}/g;

/** What a call is, independent of table names (a fresh prefix per run) and of when it was made. */
export function identityOf(cmd: SentCommand): string {
  const input = cmd.input ?? {};
  switch (cmd.name) {
    case 'TransactWriteCommand': {
      const items = (input.TransactItems ?? []) as Record<string, { Key?: Keyed; Item?: Keyed }>[];
      return `tw:${items.map((i) => { const [op, v] = Object.entries(i)[0]!; return `${op}:${stableKey(v.Key ?? v.Item)}`; }).sort().join(',')}`;
    }
    case 'PutCommand':
      return `put:${stableKey(input.Item)}`;
    case 'GetCommand':
    case 'UpdateCommand':
    case 'DeleteCommand':
      return `${cmd.name}:${stableKey(input.Key)}`;
    case 'QueryCommand':
      return `q:${String(input.IndexName ?? '')}:${JSON.stringify(input.ExpressionAttributeValues ?? {})}:${JSON.stringify(input.ExclusiveStartKey ?? null)}`;
    case 'ScanCommand':
      return `scan:${JSON.stringify(input.ExclusiveStartKey ?? null)}`;
    default:
      return cmd.name;
  }
}

/** The project whose balance a TransactWrite moves (an Update of its project item), if any. */
export function balanceProjectOf(cmd: SentCommand): string | undefined {
  if (cmd.name !== 'TransactWriteCommand') return undefined;
  for (const i of (cmd.input.TransactItems ?? []) as { Update?: { Key?: { pk?: string; sk?: string }; UpdateExpression?: string } }[]) {
    const key = i.Update?.Key;
    if (key?.sk === 'project' && String(key.pk).startsWith('project#') && String(i.Update?.UpdateExpression).includes('balance')) return String(key.pk).slice('project#'.length);
  }
  return undefined;
}

function throttle(): ProvisionedThroughputExceededException {
  return new ProvisionedThroughputExceededException({ message: 'The level of configured provisioned throughput for the table was exceeded [injected]', $metadata: {} });
}

function cancellation(items: number, at: number, code: string): TransactionCanceledException {
  return new TransactionCanceledException({
    message: `Transaction cancelled, please refer cancellation reasons for specific reasons [${code}, injected]`,
    $metadata: {},
    CancellationReasons: Array.from({ length: items }, (_, i) => ({ Code: i === at ? code : 'None' })),
  });
}

export class FaultInjector {
  /** The client to hand to the handlers (setRuntime({doc})). */
  readonly doc: DynamoDBDocumentClient;
  readonly counts: Record<FaultKind, number> = Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>;
  private readonly als = new AsyncLocalStorage<Invocation>();
  private readonly inner: ReturnType<typeof faultyDoc>;
  private step: (StepFaults & { attempts: Map<string, number>; committed: Set<string> }) | null = null;
  private interleaved: InterleavedPayment[] = [];
  private readonly webhookAliases = new Map<string, string>();

  /** `interleaveWith(projectId, paymentId, amount)` commits a payment outside any invocation. */
  constructor(raw: DynamoDBDocumentClient, private readonly interleaveWith?: (projectId: string, paymentId: string, amount: number) => Promise<InterleavedPayment>) {
    this.inner = faultyDoc(raw, (cmd) => this.decide(cmd));
    const outer = Object.create(this.inner) as DynamoDBDocumentClient;
    const send = (command: unknown): Promise<unknown> => {
      const inv = this.als.getStore();
      const p = (this.inner.send as (c: unknown) => Promise<unknown>)(command);
      if (inv) {
        inv.inflight.add(p);
        const isWrite = WRITES.has((command as { constructor: { name: string } }).constructor.name);
        p.then(() => { if (isWrite) inv.committedWrites++; }, () => undefined).finally(() => inv.inflight.delete(p)).catch(() => undefined);
      }
      return p;
    };
    (outer as unknown as { send: typeof send }).send = send;
    this.doc = outer;
  }

  get total(): number {
    return FAULT_KINDS.reduce((n, k) => n + this.counts[k], 0);
  }

  /** Names a webhook by its order of creation in fault decisions, so a replay makes the same ones. */
  aliasWebhook(webhookId: string): void {
    if (!this.webhookAliases.has(webhookId)) this.webhookAliases.set(webhookId, `wh#${this.webhookAliases.size + 1}`);
  }

  /** The invocation running now (undefined outside `invoke`). */
  current(): Invocation | undefined {
    return this.als.getStore();
  }

  beginStep(faults: StepFaults): void {
    this.step = { ...faults, attempts: new Map(), committed: new Set() };
    // faulty-doc keeps every command it saw; a soak sends hundreds of thousands.
    this.inner.calls.length = 0;
  }

  endStep(): void {
    this.step = null;
  }

  /** The interleaved payments committed since the last call, in commit order. */
  takeInterleaved(): InterleavedPayment[] {
    const out = this.interleaved;
    this.interleaved = [];
    return out;
  }

  /** Runs one invocation; never throws (the error is in the outcome). Waits for its calls still on the wire. */
  async invoke<T>(name: string, fn: () => Promise<T>): Promise<Outcome<T>> {
    const inv: Invocation = { name, dead: false, ambiguous: false, committedWrites: 0, faults: [], inflight: new Set() };
    let out: Outcome<T>;
    try {
      out = { ok: true, value: await this.als.run(inv, fn), inv };
    } catch (error) {
      out = { ok: false, error, inv };
    }
    while (inv.inflight.size > 0) await Promise.allSettled([...inv.inflight]);
    return out;
  }

  private decide(cmd: SentCommand): Injection | undefined {
    const inv = this.als.getStore();
    const step = this.step;
    if (!inv || !step) return undefined;
    if (inv.dead) return { before: new InjectedCrash(`(${inv.name} is already dead)`) };
    if (step.intensity <= 0 || step.budget <= 0) return undefined;
    const id = identityOf(cmd).replace(WEBHOOK_ID, (x) => this.webhookAliases.get(x) ?? 'wh?');
    const n = step.attempts.get(id) ?? 0;
    step.attempts.set(id, n + 1);
    const key = `${step.seed}|${inv.name}|${id}|${n}`;
    const u = unit(key);
    const write = WRITES.has(cmd.name);
    let acc = 0;
    let kind: FaultKind | undefined;
    const balanceOf = balanceProjectOf(cmd);
    for (const [k, rate] of write ? WRITE_RATES : READ_RATES) {
      if (k === 'conflict-cancel' && cmd.name !== 'TransactWriteCommand') continue;
      // A resend of a write that already committed (its answer was lost) is not where another
      // writer can slip in before it: the money moved at the first send, and the function answers
      // with the balance of that moment. The model puts interleaved payments before the answer.
      if (k === 'interleave' && (!balanceOf || !this.interleaveWith || step.committed.has(id))) continue;
      acc += rate * step.intensity;
      if (u < acc) { kind = k; break; }
    }
    if (!kind) return undefined;
    step.budget--;
    this.counts[kind]++;
    inv.faults.push(kind);
    switch (kind) {
      case 'interleave': {
        const paymentId = `interleaved-${hash32(key).toString(36)}`;
        const amount = 1 + (hash32(`${key}|amount`) % 5_000);
        return {
          interleave: async () => {
            this.interleaved.push(await this.interleaveWith!(balanceOf!, paymentId, amount));
          },
        };
      }
      case 'conflict-cancel': {
        const items = (cmd.input.TransactItems ?? []).length as number;
        const at = hash32(`${key}|at`) % Math.max(1, items);
        const code = hash32(`${key}|code`) % 5 === 0 ? 'ThrottlingError' : 'TransactionConflict';
        return { before: cancellation(items, at, code) };
      }
      case 'conflict':
        return { before: conflictException() };
      case 'throttle':
        return { before: throttle() };
      case 'timeout-before':
        return { before: timeout() };
      case 'lost-answer':
        if (write) { inv.ambiguous = true; step.committed.add(id); }
        return { after: timeout() };
      case 'crash-before':
        inv.dead = true;
        // Writes made before this one committed: the caller cannot tell how far it got.
        inv.ambiguous = true;
        return { before: new InjectedCrash(`before ${cmd.name}`) };
      case 'crash-after':
        inv.dead = true;
        inv.ambiguous = true;
        return { after: new InjectedCrash(`after ${cmd.name}`) };
    }
  }
}
