/**
 * GET /catalog?date=: the `standard` plan's version in force on `date` (default today); for a project
 * key, the version of its own plan on that day.
 */
import { catalogFor } from '../../shared/billing/plans';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /catalog').handler(async ({ auth, query }) =>
  ok(await catalogFor(storeContext(), auth.role === 'project' ? auth.projectId : undefined, query.date)));
