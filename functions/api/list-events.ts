/** GET /projects/{projectId}/events: the durable feed, in sequence order, paged with `after`. */
import { eventsOf } from '../../shared/billing/project-views';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/events').handler(async ({ params, query }) => ok(await eventsOf(storeContext(), params.projectId, query)));
