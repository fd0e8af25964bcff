/** DELETE /plans/{planId}/versions/{version} (admin): 204 while the version's first day is still ahead, 409 after. */
import { deleteVersion } from '../../shared/billing/plans';
import { NotFound } from '../../shared/domain/errors';
import { httpRoute, noContent } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

export const handler = httpRoute('DELETE /plans/{planId}/versions/{version}').handler(async ({ params }) => {
  if (!/^[1-9]\d{0,8}$/.test(params.version)) throw new NotFound(`version ${params.version}`);
  await deleteVersion(storeContext(), params.planId, Number(params.version));
  return noContent();
});
