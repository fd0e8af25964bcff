/**
 * The catalog in force for this deployment: the defaults in code (shared/domain/default-catalog.ts)
 * in the deployment's currency, or an operator's own catalog given as JSON in `PAYGO_CATALOG_JSON`,
 * validated by the same schema. Parsed once per process.
 */
import { Catalog } from './domain/catalog';
import { catalogFor } from './domain/default-catalog';
import { config } from './config';

let cached: Catalog | undefined;

export function currentCatalog(): Catalog {
  if (cached) return cached;
  const raw = process.env.PAYGO_CATALOG_JSON;
  cached = raw ? Catalog.parse(JSON.parse(raw)) : catalogFor(config().CURRENCY);
  return cached;
}
