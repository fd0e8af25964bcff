/** GET /projects/{projectId}/products: the customer's products dashboard (shared/store/product-views.ts). */
import { currentCatalog } from '../../shared/catalog-source';
import { ok, httpRoute } from '../../shared/http/route';
import { storeContext, todayOf } from '../../shared/store/context';
import { getProjectItem } from '../../shared/store/project-item';
import { productViewsAt } from '../../shared/store/product-views';
import { readCurrentTimeline } from '../../shared/store/timeline';

export const handler = httpRoute('GET /projects/{projectId}/products').handler(async ({ params }) => {
  const ctx = storeContext();
  const projectId = params.projectId!;
  await getProjectItem(ctx.doc, ctx.tables.projects, projectId, false);
  const read = await readCurrentTimeline(ctx, projectId, todayOf(ctx));
  return ok(productViewsAt(read, currentCatalog(), ctx.now()));
});
