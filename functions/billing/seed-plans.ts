/**
 * Runs once after each deployment (a CDK Trigger): writes version 1 of plan `standard`, the default
 * prices in the deployment's currency, when the Plans table has no plan `standard` yet. Never
 * overwrites: from the first deployment on, prices are data the operator changes through the API.
 */
import { seedStandardPlan } from '../../shared/billing/plans';
import { config } from '../../shared/config';
import { logger } from '../../shared/logger';
import { observed } from '../../shared/observability';
import { storeContext } from '../../shared/composition/workers';

export async function seedPlans(): Promise<{ standard: 'created' | 'exists' }> {
  const standard = await seedStandardPlan(storeContext(), config().CURRENCY);
  logger.info('plans seeded', { standard });
  return { standard };
}

/** Lambda entry point (invoked by the stack's Trigger after deployment). */
export const handler = observed(seedPlans);
