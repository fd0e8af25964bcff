/**
 * What `npm run synth` prints after `cdk synth --quiet` (scripts/synth-summary.ts), on a cloud
 * assembly of the real app written the way the CLI writes it (bundling skipped, as in every infra
 * test): every stack with its resources and room, then per stack where the template is, every
 * resource counted by type, every function, every output.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Paygo } from '../../lib/paygo-stack';
import { summarizeCloudAssembly } from '../../scripts/synth-summary';
import { testApp } from './template';

type TemplateJson = { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>; Outputs?: Record<string, unknown> };
let outDir: string;
let summary: string;
let templates: Map<string, TemplateJson>;

beforeAll(() => {
  outDir = mkdtempSync(path.join(tmpdir(), 'paygo-synth-'));
  // The CLI turns path metadata on; the summary names functions by it.
  const app = testApp({ 'aws:cdk:enable-path-metadata': true }, { outdir: outDir });
  const paygo = new Paygo(app, 'Paygo');
  app.synth();
  templates = new Map(paygo.stacks.map((s) => [s.stackName, JSON.parse(readFileSync(path.join(outDir, `${s.stackName}.template.json`), 'utf8')) as TemplateJson]));
  summary = summarizeCloudAssembly(outDir);
});
afterAll(() => { rmSync(outDir, { recursive: true, force: true }); });

const escape = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

describe('the synth summary', () => {
  it('starts with every stack, its resources and the room left under 400', () => {
    for (const [name, t] of templates) {
      const n = Object.keys(t.Resources).length;
      expect(summary).toMatch(new RegExp(`^${name} +${n} +\\d+ +\\d+ +${400 - n} `, 'm'));
    }
  });

  it('says where each template is', () => {
    for (const [name, t] of templates) {
      const file = escape(path.join(outDir, `${name}.template.json`));
      expect(summary).toMatch(new RegExp(`^Template: ${file} \\(stack ${name}, ${Object.keys(t.Resources).length} resources, \\d+ KB\\)$`, 'm'));
    }
  });

  it('counts every resource of every template under its type', () => {
    const sections = summary.split(/^Template: /m).slice(1);
    expect(sections).toHaveLength(templates.size);
    for (const section of sections) {
      const name = /\(stack (\w+),/.exec(section)![1]!;
      const counted = new Map<string, number>();
      for (const m of section.matchAll(/^ +(\d+) {2}(\w+::\S+)$/gm)) counted.set(m[2]!, Number(m[1]));
      const expected = new Map<string, number>();
      for (const r of Object.values(templates.get(name)!.Resources)) expected.set(r.Type, (expected.get(r.Type) ?? 0) + 1);
      expect(Object.fromEntries(counted), name).toEqual(Object.fromEntries(expected));
    }
  });

  it('lists every function by its construct path, and every output an operator reads', () => {
    for (const [name, t] of templates) {
      const functions = Object.values(t.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
      if (functions.length > 0) expect(summary).toContain(`Functions (${functions.length}):`);
      for (const f of functions) expect(summary).toMatch(new RegExp(`^  ${escape(f.Metadata!['aws:cdk:path']!.replace(new RegExp(`^${name}/`), '').replace(/\/Resource$/, ''))} +nodejs`, 'm'));
      for (const key of Object.keys(t.Outputs ?? {}).filter((k) => !k.startsWith('PublishOutput'))) expect(summary).toMatch(new RegExp(`^  ${key} `, 'm'));
    }
    expect(summary).toContain('Api/GetHealth');
    const outputs = [...templates.values()].flatMap((t) => Object.keys(t.Outputs ?? {}));
    expect(outputs).toEqual(expect.arrayContaining(['ApiUrl', 'DashboardUrl', 'AlarmTopicArn', 'FailedRecordsBucket', 'EventBusName', 'EventArchiveName']));
  });
});
