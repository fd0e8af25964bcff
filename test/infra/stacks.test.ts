/**
 * The split into stacks (issue 20 §1): by lifecycle, every stack under 400 resources with room for
 * this round's routes and more, the tables only in the data stack (so no deploy of an API stack can
 * replace one), every route in exactly one route stack by a rule on the route, and the README's
 * stack table (between `<!-- synth-stacks:begin -->` and `<!-- synth-stacks:end -->`) current.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paygo } from '../../lib/paygo-stack';
import { groupRoutes, RESOURCES_PER_ROUTE, ROUTE_GROUPS, STACK_RESOURCE_BUDGET } from '../../lib/route-groups';
import { stackTable } from '../../scripts/synth-summary';
import { ROUTES, type Route } from '../../shared/http/routes';
import { synthPaygo, testApp } from './template';

const { stack: paygo, templates } = synthPaygo();
const count = (name: string): number => Object.keys(templates.get(name)!.toJSON().Resources).length;

/** `n` made-up routes that all land in `groupId` (the worst case of a round's additions). */
function extraRoutes(groupId: string, n: number): Route[] {
  const template = ROUTES.find((r) => ROUTE_GROUPS.find((g) => g.takes(r))!.id === groupId)!;
  return Array.from({ length: n }, (_, i) => ({ ...template, name: `Extra${i}`, path: `${template.path}/extra${i}`, key: template.key }));
}

describe('stacks along lifecycles', () => {
  it('are data, workers, API, observability and one per route group, deployed in that order', () => {
    expect(paygo.stacks.map((s) => s.stackName)).toEqual(['PaygoData', 'PaygoWorkers', 'PaygoApi', 'PaygoObservability', 'PaygoApiProjectMoney', 'PaygoApiProjects', 'PaygoApiPlatform']);
    expect(paygo.workers.dependencies).toContain(paygo.data);
    // A route stack depends on the workers only when a route of it sends to their queues (the money routes do not).
    for (const s of paygo.routeStacks) expect(s.dependencies).toEqual(expect.arrayContaining([paygo.data, paygo.apiStack, paygo.observability]));
    expect(paygo.routeStacks.find((s) => s.group.id === 'ApiPlatform')!.dependencies).toContain(paygo.workers);
  });

  it('keeps every table, the secrets key and the failure bucket in the data stack only, retained', () => {
    for (const [name, t] of templates) {
      const types = Object.values(t.toJSON().Resources as Record<string, { Type: string; DeletionPolicy?: string; Properties?: { KeySpec?: string } }>);
      // The portal's HMAC key (PaygoApi) is no data: losing it ends only the links of the hour it signed.
      const portalKey = (r: { Type: string; Properties?: { KeySpec?: string } }) => r.Type === 'AWS::KMS::Key' && r.Properties?.KeySpec === 'HMAC_256';
      const stateful = types.filter((r) => ['AWS::DynamoDB::Table', 'AWS::KMS::Key', 'AWS::S3::Bucket'].includes(r.Type) && !portalKey(r));
      if (name === 'PaygoData') {
        expect(stateful).toHaveLength(8);
        for (const r of stateful) expect(r.DeletionPolicy, r.Type).toBe('Retain');
      } else {
        expect(stateful, name).toEqual([]);
      }
    }
  });

  it(`keeps every stack under ${STACK_RESOURCE_BUDGET} resources`, () => {
    for (const s of paygo.stacks) expect(count(s.stackName), s.stackName).toBeLessThan(STACK_RESOURCE_BUDGET);
  });

  it(`costs a route stack ${RESOURCES_PER_ROUTE} resources per route`, () => {
    for (const s of paygo.routeStacks) {
      const routes = s.routes.routeFunctions.size;
      expect(count(s.stackName), s.stackName).toBe(routes * RESOURCES_PER_ROUTE);
    }
  });

  it.each(ROUTE_GROUPS.map((g) => g.id))('has room for 20 more routes all in %s (this round adds about 15-18 across the API)', (groupId) => {
    const app = testApp();
    const more = new Paygo(app, 'Paygo', { routes: [...ROUTES, ...extraRoutes(groupId, 20)] });
    const assembly = app.synth();
    for (const s of more.stacks) {
      expect(Object.keys(assembly.getStackByName(s.stackName).template.Resources).length, s.stackName).toBeLessThan(STACK_RESOURCE_BUDGET);
    }
  });
});

describe('the event archive (replays: npm run ops -- replay-events)', () => {
  it('archives every event of the paygo bus for 90 days, in the data stack', () => {
    const archives = Object.values(templates.get('PaygoData')!.findResources('AWS::Events::Archive'));
    expect(archives).toHaveLength(1);
    const archive = archives[0]!.Properties as Record<string, any>;
    expect(archive.RetentionDays).toBe(90);
    expect(archive.SourceArn).toEqual({ 'Fn::GetAtt': [expect.stringMatching(/^EventsBus/), 'Arn'] });
    expect(archive.EventPattern).toEqual({ account: [{ Ref: 'AWS::AccountId' }] });
  });
});

describe('route groups (lib/route-groups.ts)', () => {
  it('put every route in exactly one stack, by a rule on the route (so new routes land without an edit)', () => {
    const groups = groupRoutes(ROUTES);
    expect([...groups.values()].flat().map((r) => r.name).sort()).toEqual(ROUTES.map((r) => r.name).sort());
    const served = paygo.routeStacks.flatMap((s) => [...s.routes.routeFunctions.keys()]);
    expect(served.sort()).toEqual(ROUTES.map((r) => r.name).sort());
    expect(groups.get(ROUTE_GROUPS[0]!)!.every((r) => r.path.startsWith('/projects/{projectId}'))).toBe(true);
  });
});

describe('the README', () => {
  let outDir: string;
  beforeAll(() => {
    outDir = mkdtempSync(path.join(tmpdir(), 'paygo-stacks-'));
    // As the CLI synthesises: with the CDKMetadata resource (one per stack, counted by CloudFormation too).
    const app = testApp({}, { outdir: outDir, analyticsReporting: true });
    new Paygo(app, 'Paygo');
    app.synth();
  });
  afterAll(() => { rmSync(outDir, { recursive: true, force: true }); });

  it('shows the stack table `npm run synth` prints (regenerate: npx tsx scripts/synth-summary.ts --readme)', () => {
    const readme = readFileSync(path.resolve(__dirname, '..', '..', 'README.md'), 'utf8');
    const block = /<!-- synth-stacks:begin -->\n```text\n([\s\S]*?)```\n<!-- synth-stacks:end -->/.exec(readme);
    expect(block, 'README has the synth-stacks block').not.toBeNull();
    expect(block![1]).toBe(stackTable(outDir));
  });
});
