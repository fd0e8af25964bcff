/**
 * The paygo CDK app: seven stacks (lib/paygo-stack.ts), AWS Solutions checks on every synth (a finding
 * fails it). `cdk deploy --all -c alarmEmail=oncall@example.com` subscribes an address to the alarms.
 */
import { App, Validations } from 'aws-cdk-lib';
import { AwsSolutionsChecks } from 'cdk-nag';
import { Paygo } from '../lib/paygo-stack';

const app = new App();
new Paygo(app, 'Paygo', {
  env: { account: process.env.CDK_DEFAULT_ACCOUNT, region: process.env.CDK_DEFAULT_REGION },
});
Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
