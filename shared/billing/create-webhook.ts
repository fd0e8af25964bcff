/**
 * Making a webhook endpoint: its secret is made here, sealed (KMS on AWS) before it is stored, and
 * answered this once.
 */
import { createHash, randomBytes } from 'node:crypto';
import { config } from '../config';
import { newWebhookSecret } from '../delivery/signature';
import { Conflict, ValidationFailed } from '../domain/errors';
import type { EventType } from '../domain/events';
import { checkWebhookUrl } from '../domain/webhook-url';
import { runtime } from '../runtime';
import { nowIso, type StoreContext } from '../store/context';
import { keys } from '../store/keys';
import { getProjectItem } from '../store/projects';
import { optimisticCommit } from '../store/commit';
import { getWebhookItem, listWebhookItems, readWebhooksRev, secretContext, webhookCreateItems, type WebhookItem } from '../store/webhooks';
import { MAX_WEBHOOKS, viewOf, type WebhookView } from './webhooks';
// Links the KMS secret box into the function that seals secrets.
import '../aws/kms-secret-box';

/**
 * A new endpoint. The URL's text is checked here (a 400 naming every problem); the address it
 * resolves to is checked at each delivery, where it counts. The secret is made here, sealed before it
 * is stored, and answered this once.
 */
export async function createWebhook(ctx: StoreContext, projectId: string, input: { url: string; types?: EventType[]; description?: string }, idempotencyKey?: string): Promise<WebhookView & { secret: string }> {
  await getProjectItem(ctx, projectId);
  const url = checkWebhookUrl(input.url, { allowLoopbackHttp: config().WEBHOOK_ALLOW_LOOPBACK });
  if (!url.ok) throw new ValidationFailed(`url ${url.problems.join('; ')}`, url.problems.map((message) => ({ path: 'url', message })));
  // With an Idempotency-Key the id is the key's: a retry whose first try committed but lost its answer
  // (the route layer then gives the key back) finds that endpoint instead of making a second one.
  const webhookId = idempotencyKey === undefined ? `wh_${randomBytes(12).toString('base64url')}` : webhookIdOf(projectId, idempotencyKey);
  const types = input.types ? [...new Set(input.types)] : null;
  const secret = newWebhookSecret();
  const sealedSecret = await runtime().secrets.seal(secret, secretContext({ projectId, webhookId }));
  // Decided on the count and the revision read; a create that committed meanwhile moved the revision,
  // so this one decides again on the new count (the limit is exact under concurrent creates). The
  // revision is read before the webhooks, never beside them: read in parallel, a create committing
  // between the two reads showed its new revision with the old count, and an 11th webhook got through.
  return optimisticCommit<WebhookView & { secret: string }>(ctx.doc, `creating a webhook of project ${projectId}`, async ({ attemptId }) => {
    if (idempotencyKey !== undefined) {
      const seen = await getWebhookItem(ctx, projectId, webhookId);
      if (seen) return { done: await madeBefore(seen, url.href, types, input.description) };
    }
    const rev = await readWebhooksRev(ctx, projectId);
    const [project, existing] = await Promise.all([getProjectItem(ctx, projectId), listWebhookItems(ctx, projectId)]);
    if (existing.length >= MAX_WEBHOOKS) throw new Conflict('too_many_webhooks', `a project has at most ${MAX_WEBHOOKS} webhooks: delete one first`);
    const item: WebhookItem & { attemptId: string } = {
      ...keys.webhook(projectId, webhookId),
      projectId,
      webhookId,
      url: url.href,
      types,
      ...(input.description !== undefined ? { description: input.description } : {}),
      status: 'enabled',
      sealedSecret,
      createdAt: nowIso(ctx),
      // It takes the events from now on: those already written are the project's past.
      cursor: project.eventSeq ?? 0,
      attemptId,
    };
    return {
      items: webhookCreateItems(ctx, item, rev),
      receipt: { table: ctx.tables.webhooks, key: keys.webhook(projectId, webhookId) },
      result: { ...viewOf(item), secret },
    };
  });
}

/** The id of the endpoint an Idempotency-Key makes: the same key of the same project, the same id. */
function webhookIdOf(projectId: string, idempotencyKey: string): string {
  return `wh_${createHash('sha256').update(`${projectId}|${idempotencyKey}`).digest('base64url').slice(0, 16)}`;
}

/** The first answer again (the secret opened: the client may never have seen it), or 409 for other terms. */
async function madeBefore(seen: WebhookItem, url: string, types: EventType[] | null, description: string | undefined): Promise<WebhookView & { secret: string }> {
  const same = seen.url === url && JSON.stringify(seen.types) === JSON.stringify(types) && seen.description === description;
  if (!same) throw new Conflict('idempotency_conflict', 'this Idempotency-Key was used for a different request');
  return { ...viewOf(seen), secret: await runtime().secrets.open(seen.sealedSecret, secretContext(seen)) };
}
