/**
 * DELETE /projects/{projectId}/numbers/{number}: release a number from now (or from `effectiveAt`,
 * admin only, into a day not yet charged). A number the project does not hold then is a 404.
 */
import { removeNumber } from '../../shared/billing/timeline-changes';
import { Forbidden, ValidationFailed } from '../../shared/domain/errors';
import { E164 } from '../../shared/domain/values';
import { httpRoute, noContent } from '../../shared/http/route';
import { storeContext } from '../../shared/composition/api';

/**
 * The number in a path as `+E.164`. It may arrive percent-encoded (`%2B380...`), decoded
 * (`+380...`), with the `+` turned into a space by a form-style encoder, or without the `+`.
 */
export function normalizeNumber(raw: string): string {
  let s = raw;
  if (s.includes('%')) {
    try { s = decodeURIComponent(s); } catch { throw new ValidationFailed(`${raw} is not a valid path segment`); }
  }
  s = s.trim().replace(/^\+/, '');
  const number = `+${s}`;
  if (!E164.safeParse(number).success) throw new ValidationFailed(`${raw} is not an E.164 number such as +380441234567`);
  return number;
}

export const handler = httpRoute('DELETE /projects/{projectId}/numbers/{number}').handler(async ({ auth, query, params }) => {
  if (query.effectiveAt !== undefined && auth.role !== 'admin') throw new Forbidden('only an admin key may set effectiveAt');
  await removeNumber(storeContext(), params.projectId, normalizeNumber(params.number), { effectiveAt: query.effectiveAt, by: auth.apiKeyId });
  return noContent();
});
