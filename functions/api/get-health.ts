/** GET /health: liveness, no key needed. */
import { httpRoute, ok } from '../../shared/http/route';

export const handler = httpRoute('GET /health').handler(async () => ok({ status: 'ok' }));
