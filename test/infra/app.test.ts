import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { builtinModules } from 'node:module';
import { Stack, Validations } from 'aws-cdk-lib';
import { Queue } from 'aws-cdk-lib/aws-sqs';
import { AwsSolutionsChecks } from 'cdk-nag';
import { describe, expect, it } from 'vitest';
import { InvalidBillingSetting, resolveBillingSettings } from '../../lib/billing-settings';
import { PaygoFunction } from '../../lib/constructs/paygo-function';
import { Paygo } from '../../lib/paygo-stack';
import { ROUTES } from '../../shared/http/routes';
import { testApp } from './template';

describe('cdk-nag AwsSolutionsChecks (as bin/paygo.ts applies it)', () => {
  it('synthesises every stack with no unacknowledged finding', () => {
    const app = testApp({ alarmEmail: 'oncall@example.com' });
    new Paygo(app, 'Paygo');
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('and with an account and region, as `cdk synth`/`deploy` set them (ARNs then resolve differently)', () => {
    const app = testApp();
    new Paygo(app, 'Paygo', { env: { account: '123456789012', region: 'eu-central-1' } });
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).not.toThrow();
  });

  it('would fail the synth on a finding (the check is live, not vacuous)', () => {
    const app = testApp();
    const paygo = new Paygo(app, 'Paygo');
    new Queue(paygo.workers, 'PlainQueue'); // no DLQ, no enforceSSL: SQS3 and SQS4
    Validations.of(app).addPlugins(new AwsSolutionsChecks(app));
    expect(() => app.synth()).toThrow(/AwsSolutions-SQS3/);
  });
});

describe('billing settings from context', () => {
  const stackWith = (context: Record<string, unknown>) => () => new Paygo(testApp(context), 'Paygo');

  it('defaults to Europe/Kyiv and UAH', () => {
    expect(resolveBillingSettings({})).toEqual({ billingTimeZone: 'Europe/Kyiv', currency: 'UAH' });
  });

  it.each([
    ['Mars/Olympus_Mons', /not a known IANA time zone/],
    ['+02:00', /IANA time zone name/],
    ['', /IANA time zone name/],
    [3, /IANA time zone name/],
  ])('refuses billingTimeZone %j', (zone, message) => {
    expect(stackWith({ billingTimeZone: zone })).toThrow(InvalidBillingSetting);
    expect(stackWith({ billingTimeZone: zone })).toThrow(message);
  });

  it.each(['uah', 'UA', 'XYZ', 'HRYVNIA'])('refuses currency %j', (currency) => {
    expect(stackWith({ currency })).toThrow(/currency must be an ISO 4217 code/);
  });

  it('accepts other real zones and currencies', () => {
    expect(resolveBillingSettings({ billingTimeZone: 'America/New_York', currency: 'EUR' }))
      .toEqual({ billingTimeZone: 'America/New_York', currency: 'EUR' });
  });
});

// One real esbuild bundle, so the bundling options themselves are exercised (every other infra test skips bundling).
const health = ROUTES.find((r) => r.name === 'GetHealth')!;
describe('real bundling of a handler', () => {
  it('emits a minified CommonJS bundle with a source map and nothing left to require from node_modules', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygo-bundle-'));
    try {
      const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] }, { outdir });
      const stack = new Stack(app, 'Bundle');
      new PaygoFunction(stack, 'Health', { entry: health.entry, settings: resolveBillingSettings({}) });
      app.synth();
      const assetDir = fs.readdirSync(outdir).find((d) => d.startsWith('asset.'));
      expect(assetDir).toBeDefined();
      const code = fs.readFileSync(path.join(outdir, assetDir!, 'index.js'), 'utf8');
      expect(fs.existsSync(path.join(outdir, assetDir!, 'index.js.map'))).toBe(true);
      expect(code).toMatch(/handler/);
      const required = [...code.matchAll(/require\(["']([^"']+)["']\)/g)].map((m) => m[1]!.replace(/^node:/, ''));
      expect(required.filter((m) => !builtinModules.includes(m.split('/')[0]!))).toEqual([]);
      expect(code.length).toBeLessThan(3_000_000);
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  });
});
