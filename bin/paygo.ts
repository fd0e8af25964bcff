/** The paygo CDK app: one stack, AWS Solutions checks on every synth (a finding fails it). */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { PaygoStack } from '../lib/paygo-stack';

const app = new App();
new PaygoStack(app, 'Paygo', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
