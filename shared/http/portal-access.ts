/**
 * The routes a portal link's token may call (functions/auth/authorize-key.ts gives it its project's
 * role, marked `portal`): what the billing page reads, and the product switch when the link allows
 * changes. Every other route refuses it (403), whatever the project role could do. Kept as route-key
 * strings apart from routes.ts so that routes declared on other branches (credits, statements,
 * reports) need no edit of their own entries; a key naming no route simply matches nothing.
 */
export type PortalAccess = 'read' | 'change';

export const PORTAL_ACCESS: ReadonlyMap<string, PortalAccess> = new Map<string, PortalAccess>([
  ['GET /projects/{projectId}', 'read'],
  ['GET /projects/{projectId}/forecast', 'read'],
  ['GET /projects/{projectId}/products', 'read'],
  ['GET /projects/{projectId}/products/{productId}/price', 'read'],
  ['GET /projects/{projectId}/ledger', 'read'],
  ['GET /projects/{projectId}/credits', 'read'],
  ['GET /projects/{projectId}/statements', 'read'],
  ['GET /projects/{projectId}/statements/{month}', 'read'],
  ['GET /projects/{projectId}/reports/usage', 'read'],
  ['GET /projects/{projectId}/reports/spend', 'read'],
  ['PUT /projects/{projectId}/products/{productId}', 'change'],
]);
