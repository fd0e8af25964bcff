/**
 * What `npm run synth` prints after `cdk synth --quiet` (scripts/synth-summary.ts), on a cloud
 * assembly of the real stack written the way the CLI writes it (bundling skipped, as in every infra
 * test): where the template is, every resource counted by type, every function, every output.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PaygoStack } from '../../lib/paygo-stack';
import { summarizeCloudAssembly } from '../../scripts/synth-summary';
import { testApp } from './template';

let outDir: string;
let summary: string;
let template: { Resources: Record<string, { Type: string; Metadata?: Record<string, string> }>; Outputs: Record<string, unknown> };

beforeAll(() => {
  outDir = mkdtempSync(path.join(tmpdir(), 'paygo-synth-'));
  // The CLI turns path metadata on; the summary names functions by it.
  const app = testApp({ 'aws:cdk:enable-path-metadata': true }, { outdir: outDir });
  new PaygoStack(app, 'Paygo');
  app.synth();
  template = JSON.parse(readFileSync(path.join(outDir, 'Paygo.template.json'), 'utf8'));
  summary = summarizeCloudAssembly(outDir);
});
afterAll(() => { rmSync(outDir, { recursive: true, force: true }); });

describe('the synth summary', () => {
  it('says where the template is', () => {
    const file = path.join(outDir, 'Paygo.template.json').replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
    expect(summary.split('\n')[0]).toMatch(new RegExp(`^Template: ${file} \\(stack Paygo, ${Object.keys(template.Resources).length} resources, \\d+ KB\\)$`));
  });

  it('counts every resource of the template under its type', () => {
    const counted = new Map<string, number>();
    for (const m of summary.matchAll(/^ +(\d+) {2}(\w+::\S+)$/gm)) counted.set(m[2]!, Number(m[1]));
    const expected = new Map<string, number>();
    for (const r of Object.values(template.Resources)) expected.set(r.Type, (expected.get(r.Type) ?? 0) + 1);
    expect(Object.fromEntries(counted)).toEqual(Object.fromEntries(expected));
  });

  it('lists every function by its construct path, and every output', () => {
    const functions = Object.values(template.Resources).filter((r) => r.Type === 'AWS::Lambda::Function');
    expect(summary).toContain(`Functions (${functions.length}):`);
    for (const f of functions) expect(summary).toMatch(new RegExp(`^  ${f.Metadata!['aws:cdk:path']!.replace(/^Paygo\//, '').replace(/\/Resource$/, '')} +nodejs`, 'm'));
    expect(summary).toContain('Api/GetHealth');
    for (const key of Object.keys(template.Outputs)) expect(summary).toMatch(new RegExp(`^  ${key} `, 'm'));
    expect(Object.keys(template.Outputs)).toEqual(expect.arrayContaining(['ApiUrl', 'ProjectsTableName']));
  });
});
