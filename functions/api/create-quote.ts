/**
 * POST /quote: a month's price for products, seats, sessions and numbers with one plan's prices of a
 * day (shared/domain/quote.ts). A project key quotes only plans its project is on.
 */
import { quoteOf } from '../../shared/billing/plans';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('POST /quote').handler(async ({ auth, body }) =>
  ok(await quoteOf(storeContext(), body, auth.role === 'project' ? auth.projectId : undefined)));
