/** GET /projects/{projectId} (admin, own project): the project with its balance and status. */
import { getProject } from '../../shared/billing/projects';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}').handler(async ({ params }) => ok(await getProject(storeContext(), params.projectId)));
