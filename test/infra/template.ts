/**
 * Builds the paygo stacks for Template assertions the fast way: bundling skipped, the
 * built-in CloudFormation validator off, cdk.json's feature flags on (so the templates are the ones
 * `cdk synth` makes), and each distinct context synthesised once per test file.
 *
 * `template` is every stack's template merged into one, with each cross-stack reference (cdk.json
 * makes them weak: `Fn::GetStackOutput`; `Fn::ImportValue` for strong ones) replaced by the value the
 * other stack's output holds (a `Ref`/`Fn::GetAtt` there): assertions about what references what
 * read the same as on one stack. `templates` has each stack's own.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { App, type AppProps } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import type { IConstruct } from 'constructs';
import { CfnElement, Stack } from 'aws-cdk-lib';
import { Paygo } from '../../lib/paygo-stack';

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
  /** The app's stacks and parts (Paygo keeps the single-stack names: stack.tables, stack.api, ...). */
  readonly stack: Paygo;
  /** Every stack's template merged, imports resolved (see the header). */
  readonly template: Template;
  /** Each stack's own template, by stack name. */
  readonly templates: ReadonlyMap<string, Template>;
  /** The template's logical id of a construct (its CloudFormation resource or the resource itself). */
  logicalId(construct: IConstruct): string;
}

const cache = new Map<string, Synthesized>();

type Json = unknown;
interface TemplateJson { Resources?: Record<string, Json>; Outputs?: Record<string, { Value: Json; Export?: { Name: Json } }>; [k: string]: Json }

/** CDK's outputs for other stacks (not an operator's): left out of the merged template. */
const isPlumbing = (id: string, o: { Export?: unknown }): boolean => Boolean(o.Export) || id.startsWith('PublishOutput');

/** A value with every cross-stack reference replaced by the value of the output it reads. */
function resolveReferences(value: Json, outputs: ReadonlyMap<string, Json>, exports: ReadonlyMap<string, Json>): Json {
  if (Array.isArray(value)) return value.map((v) => resolveReferences(v, outputs, exports));
  if (value && typeof value === 'object') {
    const obj = value as Record<string, Json>;
    const name = obj['Fn::ImportValue'];
    if (typeof name === 'string' && exports.has(name)) return exports.get(name);
    const get = obj['Fn::GetStackOutput'] as { StackName?: unknown; OutputName?: unknown } | undefined;
    const key = get && `${String(get.StackName)}/${String(get.OutputName)}`;
    if (key && outputs.has(key)) return outputs.get(key);
    return Object.fromEntries(Object.entries(obj).map(([k, v]) => [k, resolveReferences(v, outputs, exports)]));
  }
  return value;
}

/** One template of all of an app's stacks (logical ids are unique across them: checked). */
export function mergedTemplate(templates: ReadonlyMap<string, Template>): Template {
  const jsons = [...templates].map(([name, t]) => [name, t.toJSON() as TemplateJson] as const);
  const exports = new Map<string, Json>();
  const outputs = new Map<string, Json>();
  for (const [stackName, t] of jsons) {
    for (const [id, o] of Object.entries(t.Outputs ?? {})) {
      outputs.set(`${stackName}/${id}`, o.Value);
      if (typeof o.Export?.Name === 'string') exports.set(o.Export.Name, o.Value);
    }
  }
  const merged: { Resources: Record<string, Json>; Outputs: Record<string, Json> } = { Resources: {}, Outputs: {} };
  for (const [stackName, t] of jsons) {
    for (const [section, entries] of [['Resources', t.Resources ?? {}], ['Outputs', t.Outputs ?? {}]] as const) {
      for (const [id, v] of Object.entries(entries)) {
        if (section === 'Outputs' && isPlumbing(id, v as { Export?: unknown })) continue;
        if (id in merged[section]) throw new Error(`${section} ${id} of ${stackName} is in another stack too`);
        merged[section][id] = resolveReferences(v, outputs, exports);
      }
    }
  }
  return Template.fromJSON(merged);
}

/** The paygo stacks and their templates for a context; memoised per test file (module scope). */
export function synthPaygo(contextOverrides: Record<string, unknown> = {}): Synthesized {
  const key = JSON.stringify(contextOverrides);
  const hit = cache.get(key);
  if (hit) return hit;
  const app = testApp(contextOverrides);
  const stack = new Paygo(app, 'Paygo');
  // One synth for all stacks (Template.fromStack would synthesise the app again for each).
  const assembly = app.synth();
  const templates = new Map(stack.stacks.map((s) => [s.stackName, Template.fromJSON(assembly.getStackByName(s.stackName).template as Record<string, unknown>)]));
  const template = mergedTemplate(templates);
  const logicalId = (construct: IConstruct): string => {
    const element = CfnElement.isCfnElement(construct) ? construct : construct.node.defaultChild;
    if (!element || !CfnElement.isCfnElement(element)) throw new Error(`${construct.node.path} has no CloudFormation resource`);
    return Stack.of(element).resolve(element.logicalId) as string;
  };
  const synthesized = { app, stack, template, templates, logicalId };
  cache.set(key, synthesized);
  return synthesized;
}

/** One IAM statement, with resources reduced to the logical ids they reference ('*' kept). */
export interface Grant {
  readonly actions: string[];
  readonly resources: string[];
}

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

/** A CloudFormation string value flattened (`Fn::Join` joined, `Ref` as `<Name>`), to compare built names and ARNs. */
export function flat(value: Json): string {
  if (typeof value === 'string') return value;
  if (value && typeof value === 'object') {
    const obj = value as Record<string, Json>;
    if (Array.isArray(obj['Fn::Join'])) {
      const [sep, parts] = obj['Fn::Join'] as [string, Json[]];
      return parts.map(flat).join(sep);
    }
    if (typeof obj.Ref === 'string') return `<${obj.Ref}>`;
  }
  return JSON.stringify(value);
}

/** Every Allow statement of a role's identity policies, resources flattened (see {@link flat}). */
export function flatGrantsOfRole(template: Template, roleLogicalId: string): { actions: string[]; resources: string[] }[] {
  const policies = template.findResources('AWS::IAM::Policy');
  const grants: { actions: string[]; resources: string[] }[] = [];
  for (const policy of Object.values(policies) as { Properties: { Roles: Json[]; PolicyDocument: { Statement: Record<string, Json>[] } } }[]) {
    if (!policy.Properties.Roles.some((r) => referencedIds(r).includes(roleLogicalId))) continue;
    for (const statement of policy.Properties.PolicyDocument.Statement) {
      if (statement.Effect !== 'Allow') continue;
      grants.push({ actions: ([] as Json[]).concat(statement.Action as Json) as string[], resources: ([] as Json[]).concat(statement.Resource as Json).map(flat) });
    }
  }
  return grants;
}
