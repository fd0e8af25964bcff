/**
 * A project's webhook endpoints (docs/api.md "Events, webhooks and alerts"): listed, removed, and
 * their delivery log. Making one is ./create-webhook.ts (it seals the secret with KMS), queueing an
 * event again is ./redeliver.ts (it sends to the delivery queue): apart, so each function links only
 * the AWS clients it is allowed to use.
 */
import { NotFound } from '../domain/errors';
import { EVENT_TYPES, type EventType } from '../domain/events';
import type { StoreContext } from '../store/context';
import { projectExists } from '../store/projects';
import { deleteWebhookItem, getWebhookItem, listAttempts, listWebhookItems, type DeliveryAttempt, type WebhookItem, type WebhookStatus } from '../store/webhooks';

/** Endpoints a project may have: enough for every team's receiver, few enough to deliver to each. */
export const MAX_WEBHOOKS = 10;

export interface WebhookView {
  webhookId: string;
  url: string;
  types: EventType[];
  description?: string;
  status: WebhookStatus;
}

export function viewOf(item: WebhookItem): WebhookView {
  return {
    webhookId: item.webhookId,
    url: item.url,
    // null is "every type": shown as the types there are now (types added later reach it too).
    types: item.types ?? [...EVENT_TYPES],
    ...(item.description !== undefined ? { description: item.description } : {}),
    status: item.status,
  };
}

export async function listWebhooks(ctx: StoreContext, projectId: string): Promise<{ webhooks: WebhookView[] }> {
  if (!(await projectExists(ctx, projectId))) throw new NotFound(`project ${projectId}`);
  const items = await listWebhookItems(ctx, projectId);
  return { webhooks: items.sort((a, b) => (a.createdAt < b.createdAt ? -1 : a.createdAt > b.createdAt ? 1 : 0)).map(viewOf) };
}

/** Removes an endpoint: deliveries already queued for it are dropped when they come up. */
export async function deleteWebhook(ctx: StoreContext, projectId: string, webhookId: string): Promise<void> {
  if (!(await projectExists(ctx, projectId))) throw new NotFound(`project ${projectId}`);
  if (!(await deleteWebhookItem(ctx, projectId, webhookId))) throw new NotFound(`webhook ${webhookId}`);
}

export async function deliveriesOf(ctx: StoreContext, projectId: string, webhookId: string, q: { limit?: number; cursor?: string }): Promise<{ deliveries: Omit<DeliveryAttempt, 'sequence'>[]; nextCursor: string | null }> {
  if (!(await projectExists(ctx, projectId))) throw new NotFound(`project ${projectId}`);
  // The log outlives a deleted endpoint (until its TTL), but it is shown only for a live one of this project.
  if (!(await getWebhookItem(ctx, projectId, webhookId))) throw new NotFound(`webhook ${webhookId}`);
  return listAttempts(ctx, webhookId, { limit: q.limit ?? 100, ...(q.cursor !== undefined ? { cursor: q.cursor } : {}) });
}

