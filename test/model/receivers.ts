/**
 * The customers' webhook receivers in the model test, standing in for the POST of
 * shared/delivery/http-post.ts (DeliveryDeps.post): one receiver per endpoint URL, answering as its
 * mode says, and remembering every POST it got. Each POST is checked as a careful receiver would:
 * the Standard Webhooks signature with the endpoint's secret (which also tells which endpoint sent it
 * when a URL has two), `webhook-id` equal to the body's eventId, the body a well-formed event.
 * Whether it "processed" a POST is what deduplication is about: a receiver that processed an event
 * and answered too late gets it again, and must recognise its webhook-id.
 */
import { hash32 } from './faults';
import type { PostWebhookInput, PostWebhookResult } from '../../shared/delivery/http-post';
import { verifySignature } from '../../shared/delivery/signature';
import { ProjectEvent } from '../../shared/domain/events';

/**
 * - `ok`: 2xx at once;
 * - `slow`: 2xx just inside the deadline (9 s), so a drain of a few runs into its time budget and hands over;
 * - `5xx`: HTTP 503, nothing processed;
 * - `timeout`: no answer within the 10 s deadline, nothing processed;
 * - `late`: processed, but the 2xx comes after the deadline, so the sender retries what the receiver has;
 * - `flaky`: about every other POST of an event fails with a 500 (chosen by a hash: replays agree).
 */
export type ReceiverMode = 'ok' | 'slow' | '5xx' | 'timeout' | 'late' | 'flaky';
export const RECEIVER_MODES: readonly ReceiverMode[] = ['ok', 'slow', '5xx', 'timeout', 'late', 'flaky'];

/** How long each answer takes (the clock moves by it: a drain of slow answers runs into its lease and budget). */
const LATENCY_MS: Record<ReceiverMode, number> = { ok: 40, slow: 9_000, '5xx': 30, timeout: 10_000, late: 10_000, flaky: 35 };

/** One POST a receiver got. */
export interface Receipt {
  url: string;
  /** The endpoint whose secret verifies the signature; null when none does. */
  webhookId: string | null;
  /** The `webhook-id` header. */
  eventId: string;
  event: ProjectEvent | null;
  body: string;
  /** The receiver acted on it (the sender may not know). */
  processed: boolean;
  /** What the sender was told: delivered or not. */
  ok: boolean;
  at: number;
  /** What a receiver would refuse it for. */
  problem?: string;
}

interface Endpoint { webhookId: string; secret: string }

export class Receivers {
  readonly receipts: Receipt[] = [];
  private readonly modes = new Map<string, ReceiverMode>();
  private readonly endpoints = new Map<string, Endpoint[]>();
  private readonly seen = new Map<string, number>();

  /** `clock` reads the world's clock; `spend` moves it by an answer's latency. */
  constructor(private readonly clock: () => number, private readonly spend: (ms: number) => void) {}

  /** An endpoint and its secret (opened from the stored item: a duplicate made by a retry has one nobody was shown). */
  register(url: string, webhookId: string, secret: string, mode: ReceiverMode): void {
    const list = this.endpoints.get(url) ?? [];
    if (!list.some((e) => e.webhookId === webhookId)) list.push({ webhookId, secret });
    this.endpoints.set(url, list);
    if (!this.modes.has(url)) this.modes.set(url, mode);
  }

  setMode(url: string, mode: ReceiverMode): void {
    this.modes.set(url, mode);
  }

  modeOf(url: string): ReceiverMode {
    return this.modes.get(url) ?? 'ok';
  }

  /** Every receiver healthy again (the end of a run: what is owed must now arrive). */
  healAll(): void {
    for (const url of this.modes.keys()) this.modes.set(url, 'ok');
  }

  /** The POST: answers as the URL's receiver's mode says and records what it got. */
  async post(input: PostWebhookInput): Promise<PostWebhookResult> {
    const mode = this.modeOf(input.url);
    const at = this.clock();
    const eventId = input.headers['webhook-id'] ?? '';
    const n = (this.seen.get(`${input.url}|${eventId}`) ?? 0) + 1;
    this.seen.set(`${input.url}|${eventId}`, n);
    const fails = mode === '5xx' || mode === 'timeout' || (mode === 'flaky' && hash32(`${eventId}|${n}`) % 2 === 0);
    const processed = !fails;
    const ok = processed && mode !== 'late';
    const problems: string[] = [];
    let event: ProjectEvent | null = null;
    const parsed = ProjectEvent.safeParse(JSON.parse(input.body));
    if (parsed.success) event = parsed.data as ProjectEvent; else problems.push(`a body that is not an event: ${parsed.error.message.slice(0, 200)}`);
    if (event && event.eventId !== eventId) problems.push(`webhook-id ${eventId} for event ${event.eventId}`);
    const verifiedBy = (this.endpoints.get(input.url) ?? []).find((e) => verifySignature({ headers: input.headers, body: input.body, secret: e.secret, nowSeconds: Math.floor(at / 1000) }).ok);
    if (!verifiedBy) problems.push(`no endpoint secret of ${input.url} verifies the signature`);
    this.receipts.push({ url: input.url, webhookId: verifiedBy?.webhookId ?? null, eventId, event, body: input.body, processed, ok, at, ...(problems.length > 0 ? { problem: problems.join('; ') } : {}) });
    this.spend(LATENCY_MS[mode]);
    if (ok) return { ok: true, status: 204, durationMs: LATENCY_MS[mode] };
    if (mode === 'timeout' || mode === 'late') return { ok: false, status: null, error: 'no answer within 10 s', durationMs: LATENCY_MS[mode] };
    return { ok: false, status: mode === '5xx' ? 503 : 500, error: `HTTP ${mode === '5xx' ? 503 : 500}`, durationMs: LATENCY_MS[mode] };
  }
}
