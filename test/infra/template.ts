/**
 * Builds the paygo stack for Template assertions the fast way: bundling skipped, the
 * built-in CloudFormation validator off, cdk.json's feature flags on (so the template is the one
 * `cdk synth` makes), and each distinct context synthesised once per test file.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { PaygoStack } from '../../lib/paygo-stack';

const CDK_JSON = path.resolve(__dirname, '..', '..', 'cdk.json');

/** cdk.json's context (feature flags, billingTimeZone, currency) plus the test-speed switches. */
export function testContext(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  const { context } = JSON.parse(fs.readFileSync(CDK_JSON, 'utf8')) as { context: Record<string, unknown> };
  return {
    ...context,
    'aws:cdk:bundling-stacks': [],
    // As the CLI does without --debug: no stack trace per construct (costly under vitest's source maps).
    'aws:cdk:disable-stack-trace': true,
    ...overrides,
  };
}

/**
 * An App for tests: `testContext`, and without the built-in CloudFormation validator (a WASM engine
 * that costs seconds of CPU per synth; `cdk synth` still runs it) or the construct tree file.
 */
export function testApp(contextOverrides: Record<string, unknown> = {}, props: AppProps = {}): App {
  return new App({ builtinCloudFormationValidation: false, treeMetadata: false, ...props, context: testContext(contextOverrides) });
}

export interface Synthesized {
  readonly app: App;
  readonly stack: PaygoStack;
  readonly template: Template;
  /** The template's logical id of a construct (its CloudFormation resource or the resource itself). */
  logicalId(construct: IConstruct): string;
}

const cache = new Map<string, Synthesized>();

/** The paygo stack and its template for a context; memoised per test file (module scope). */
export function synthPaygo(contextOverrides: Record<string, unknown> = {}): Synthesized {
  const key = JSON.stringify(contextOverrides);
  const hit = cache.get(key);
  if (hit) return hit;
  const app = testApp(contextOverrides);
  const stack = new PaygoStack(app, 'Paygo');
  const template = Template.fromStack(stack);
  const logicalId = (construct: IConstruct): string => {
    const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
    if (!element || !CfnElement.isCfnElement(element)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
    return Stack.of(element).resolve(element.logicalId) as string;
  };
  const synthesized = { app, stack, template, logicalId };
  cache.set(key, synthesized);
  return synthesized;
}

/** One IAM statement, with resources reduced to the logical ids they reference ('*' kept). */
export interface Grant {
  readonly actions: string[];
  readonly resources: string[];
}

type Json = unknown;

/** Logical ids referenced anywhere in a CloudFormation value (Ref / Fn::GetAtt), or the literal '*'. */
export function referencedIds(value: Json): string[] {
  if (value === '*') return ['*'];
  if (Array.isArray(value)) return value.flatMap(referencedIds);
  if (value && typeof value === 'object') {
    const obj = value as Record<string, Json>;
    if (typeof obj.Ref === 'string') return obj.Ref.startsWith('AWS::') ? [] : [obj.Ref];
    const getAtt = obj['Fn::GetAtt'];
    if (Array.isArray(getAtt) && typeof getAtt[0] === 'string') return [getAtt[0]];
    return Object.values(obj).flatMap(referencedIds);
  }
  return [];
}

/** Every Allow statement of the identity policies attached to a role (by the role's logical id). */
export function grantsOfRole(template: Template, roleLogicalId: string): Grant[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const grants: Grant[] = [];
  for (const policy of Object.values(policies) as { Properties: { Roles: Json[]; PolicyDocument: { Statement: Record<string, Json>[] } } }[]) {
    if (!policy.Properties.Roles.some((r) => referencedIds(r).includes(roleLogicalId))) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      if (statement.Effect !== 'Allow') continue;
      const actions = ([] as Json[]).concat(statement.Action as Json) as string[];
      grants.push({ actions, resources: [...new Set(referencedIds(statement.Resource))] });
    }
  }
  return grants;
}
