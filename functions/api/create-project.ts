/**
 * POST /projects (admin): a project with balance 0 and its first project key (shown once). Defaults:
 * the deployment's currency, creditLimit 0, billing from today. With an `Idempotency-Key` header a
 * repeat makes no second project: the same body answers 200 with the project (the key is not shown
 * again: it is stored only as a hash); another body with the same key is a 409.
 */
import { currentCatalog } from '../../shared/catalog-source';
import { DomainError, ValidationFailed } from '../../shared/domain/errors';
import { daysBetween } from '../../shared/domain/billing-days';
import { created, httpRoute, ok } from '../../shared/http/route';
import { Id } from '../../shared/http/schemas';
import { storeContext, todayOf } from '../../shared/store/context';
import { createProject } from '../../shared/store/projects';

const MAX_START_OFFSET_DAYS = 366;

export const handler = httpRoute('POST /projects').handler(async ({ body, headers }) => {
  const ctx = storeContext();
  const currency = body.currency ?? currentCatalog().currency;
  // Prices are in the catalog's currency: a project in another one would be billed in the wrong unit.
  if (currency !== currentCatalog().currency) {
    throw new DomainError('unsupported_currency', `this deployment bills in ${currentCatalog().currency}, not ${currency}`, 400);
  }
  const idempotencyKey = headers['idempotency-key'];
  if (idempotencyKey !== undefined && !Id.safeParse(idempotencyKey).success) {
    throw new ValidationFailed('Idempotency-Key must be 1 to 128 letters, digits or . _ : @ -');
  }
  const today = todayOf(ctx);
  const billingStartDate = body.billingStartDate ?? today;
  // A start years away would make the next billing run catch up (or wait for) thousands of days.
  if (Math.abs(daysBetween(today, billingStartDate)) > MAX_START_OFFSET_DAYS) {
    throw new ValidationFailed(`billingStartDate must be within ${MAX_START_OFFSET_DAYS} days of today (${today})`);
  }
  const out = await createProject(ctx, {
    name: body.name,
    currency,
    creditLimit: body.creditLimit ?? 0,
    billingStartDate,
  }, idempotencyKey);
  const view = { ...out.project, apiKeyId: out.apiKeyId, ...(out.apiKey ? { apiKey: out.apiKey } : {}) };
  return out.replayed ? ok(view) : created(view);
});
