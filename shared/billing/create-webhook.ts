/**
 * Making a webhook endpoint: its secret is made here, sealed (KMS on AWS) before it is stored, and
 * answered this once.
 */
import { randomBytes } from 'node:crypto';
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
import { listWebhookItems, readWebhooksRev, secretContext, webhookCreateItems, type WebhookItem } from '../store/webhooks';
import { MAX_WEBHOOKS, viewOf, type WebhookView } from './webhooks';
// Links the KMS secret box into the function that seals secrets.
import '../aws/kms-secret-box';

/**
 * A new endpoint. The URL's text is checked here (a 400 naming every problem); the address it
 * resolves to is checked at each delivery, where it counts. The secret is made here, sealed before it
 * is stored, and answered this once.
 */
export async function createWebhook(ctx: StoreContext, projectId: string, input: { url: string; types?: EventType[]; description?: string }): Promise<WebhookView & { secret: string }> {
  await getProjectItem(ctx, projectId);
  const url = checkWebhookUrl(input.url, { allowLoopbackHttp: config().WEBHOOK_ALLOW_LOOPBACK });
  if (!url.ok) throw new ValidationFailed(`url ${url.problems.join('; ')}`, url.problems.map((message) => ({ path: 'url', message })));
  const webhookId = `wh_${randomBytes(12).toString('base64url')}`;
  const secret = newWebhookSecret();
  const sealedSecret = await runtime().secrets.seal(secret, secretContext({ projectId, webhookId }));
  // Decided on the count and the revision read; a create that committed meanwhile moved the revision,
  // so this one decides again on the new count (the limit is exact under concurrent creates). The
  // revision is read before the webhooks, never beside them: read in parallel, a create committing
  // between the two reads showed its new revision with the old count, and an 11th webhook got through.
  return optimisticCommit(ctx.doc, `creating a webhook of project ${projectId}`, async ({ attemptId }) => {
    const rev = await readWebhooksRev(ctx, projectId);
    const [project, existing] = await Promise.all([getProjectItem(ctx, projectId), listWebhookItems(ctx, projectId)]);
    if (existing.length >= MAX_WEBHOOKS) throw new Conflict('too_many_webhooks', `a project has at most ${MAX_WEBHOOKS} webhooks: delete one first`);
    const item: WebhookItem & { attemptId: string } = {
      ...keys.webhook(projectId, webhookId),
      projectId,
      webhookId,
      url: url.href,
      types: input.types ? [...new Set(input.types)] : null,
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
