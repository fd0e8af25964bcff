import { Duration } from 'aws-cdk-lib';
import { Trigger } from 'aws-cdk-lib/triggers';
import { Construct } from 'constructs';
import { WORKERS } from '../../shared/workers';
import type { BillingSettings } from '../billing-settings';
import { PaygoFunction } from './paygo-function';
import type { PaygoTables } from './tables';

/** Props of {@link PlanSeed}. */
export interface PlanSeedProps {
  readonly settings: BillingSettings;
  readonly tables: PaygoTables;
}

/**
 * The default prices of a new deployment: a function that writes version 1 of plan `standard` into
 * the Plans table when it has none, run once after each deployment by a CDK Trigger. It never
 * overwrites (prices are data from the first deployment on), so running again is harmless.
 */
export class PlanSeed extends Construct {
  readonly seedFunction: PaygoFunction;

  constructor(scope: Construct, id: string, props: PlanSeedProps) {
    super(scope, id);
    this.seedFunction = new PaygoFunction(this, WORKERS.seedPlans.name, {
      entry: WORKERS.seedPlans.entry,
      settings: props.settings,
      timeout: Duration.seconds(30),
      description: 'Writes the default plan into a new deployment (never overwrites)',
    }).bindDeclared(WORKERS.seedPlans, { tables: props.tables });
    new Trigger(this, 'SeedAfterDeploy', {
      handler: this.seedFunction,
      executeAfter: [props.tables.plans.table],
      timeout: Duration.minutes(1),
    });
  }
}
