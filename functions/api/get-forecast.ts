/** GET /projects/{projectId}/forecast: tonight's charge exactly, then the days ahead (shared/domain/forecast.ts). */
import { forecastOf } from '../../shared/billing/project-views';
import { httpRoute, ok } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('GET /projects/{projectId}/forecast').handler(async ({ params }) => ok(await forecastOf(storeContext(), params.projectId)));
