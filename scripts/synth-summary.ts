/**
 * Run by `npm run synth` after `cdk synth --quiet`, which prints only the bundling of each function:
 * every stack with its resources and the room left, then per stack where the template is and what is
 * in it (resources by type, the functions, the outputs).
 * `tsx scripts/synth-summary.ts [cdk.out]`; `--readme` rewrites the README's stack table from it.
 */
import { existsSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { RESOURCES_PER_ROUTE, STACK_RESOURCE_BUDGET, STACK_RESOURCE_LIMIT } from '../lib/route-groups';

interface Resource { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
interface Template { Resources?: Record<string, Resource>; Outputs?: Record<string, { Description?: string }> }
interface Manifest { artifacts?: Record<string, { type: string; displayName?: string; properties?: { templateFile?: string } }> }

const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;


function stacksOf(outDir: string): { name: string; templateFile: string }[] {
  const manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile);
  if (stacks.length === 0) throw new Error(`no stack in ${path.join(outDir, 'manifest.json')}`);
  return stacks.map(([id, a]) => ({ name: a.displayName ?? id, templateFile: a.properties!.templateFile! }));
}

/**
 * One line per stack: resources, room left under the 400 paygo allows itself (and the 500 of
 * CloudFormation), and for a route stack its routes and how many more fit. The README shows this
 * table between `<!-- synth-stacks -->` markers; test/infra/stacks.test.ts checks it is current.
 */
export function stackTable(outDir: string): string {
  const rows = stacksOf(outDir).map(({ name, templateFile }) => {
    const template = JSON.parse(readFileSync(path.join(outDir, templateFile), 'utf8')) as Template;
    const resources = Object.values(template.Resources ?? {});
    const routes = resources.filter((r) => r.Type === 'AWS::ApiGatewayV2::Route').length;
    const alarms = resources.filter((r) => r.Type === 'AWS::CloudWatch::Alarm').length;
    const room = STACK_RESOURCE_BUDGET - resources.length;
    return { name, resources: resources.length, routes, alarms, room };
  });
  const w = Math.max(5, ...rows.map((r) => r.name.length));
  const lines = [
    `${'Stack'.padEnd(w)}  Resources  Alarms  Routes  Room (to ${STACK_RESOURCE_BUDGET})  More routes that fit`,
    ...rows.map((r) => `${r.name.padEnd(w)}  ${String(r.resources).padStart(9)}  ${String(r.alarms).padStart(6)}  ${String(r.routes).padStart(6)}  ${String(r.room).padStart(13)}  ${r.routes > 0 ? String(Math.floor(r.room / RESOURCES_PER_ROUTE)).padStart(20) : '-'.padStart(20)}`),
    `${'Total'.padEnd(w)}  ${String(rows.reduce((n, r) => n + r.resources, 0)).padStart(9)}  ${String(rows.reduce((n, r) => n + r.alarms, 0)).padStart(6)}  ${String(rows.reduce((n, r) => n + r.routes, 0)).padStart(6)}`,
  ];
  return lines.map((l) => l.trimEnd()).join('\n') + '\n';
}

/** The summary of every stack in a cloud assembly (the `cdk.out` folder `cdk synth` writes). */
export function summarizeCloudAssembly(outDir: string): string {
  const stacks = stacksOf(outDir);
  return [
    `Stacks (${stacks.length}; CloudFormation allows ${STACK_RESOURCE_LIMIT} resources per stack, paygo keeps each under ${STACK_RESOURCE_BUDGET}):`,
    stackTable(outDir),
    ...stacks.map(({ name, templateFile }) => summarizeStack(outDir, name, templateFile)),
  ].join('\n');
}

function summarizeStack(outDir: string, stack: string, templateFile: string): string {
  const file = path.join(outDir, templateFile);
  const template = JSON.parse(readFileSync(file, 'utf8')) as Template;
  const resources = Object.entries(template.Resources ?? {});
  const lines: string[] = [`Template: ${file} (stack ${stack}, ${resources.length} resources, ${kb(statSync(file).size)})`, ''];

  const byType = new Map<string, number>();
  for (const [, r] of resources) byType.set(r.Type, (byType.get(r.Type) ?? 0) + 1);
  lines.push('Resources by type:');
  for (const [type, n] of [...byType].sort((x, y) => y[1] - x[1] || x[0].localeCompare(y[0]))) lines.push(`  ${String(n).padStart(4)}  ${type}`);

  const functions = resources.filter(([, r]) => r.Type === 'AWS::Lambda::Function').map(([logicalId, r]) => {
    const p = r.Properties ?? {};
    const asset = typeof r.Metadata?.['aws:asset:path'] === 'string' ? path.join(outDir, r.Metadata['aws:asset:path'], 'index.js') : undefined;
    return {
      // The construct path reads like the stack's code (Api/GetHealth); the logical id is the fallback.
      name: typeof r.Metadata?.['aws:cdk:path'] === 'string' ? r.Metadata['aws:cdk:path'].replace(/^[^/]+\//, '').replace(/\/Resource$/, '') : logicalId,
      runtime: String(p.Runtime ?? '?'),
      memory: p.MemorySize === undefined ? '-' : `${String(p.MemorySize)} MB`,
      timeout: p.Timeout === undefined ? '-' : `${String(p.Timeout)} s`,
      bundle: asset && existsSync(asset) ? kb(statSync(asset).size) : '-',
    };
  }).sort((x, y) => x.name.localeCompare(y.name));
  lines.push('', `Functions (${functions.length}): runtime, memory, timeout, bundle`);
  const width = Math.max(0, ...functions.map((f) => f.name.length));
  for (const f of functions) lines.push(`  ${f.name.padEnd(width)}  ${f.runtime}  ${f.memory.padStart(7)}  ${f.timeout.padStart(5)}  ${f.bundle.padStart(7)}`);

  // CDK's outputs that other stacks read (weak cross-stack references) are plumbing, not for people.
  const all = Object.entries(template.Outputs ?? {});
  const outputs = all.filter(([key]) => !key.startsWith('PublishOutput'));
  const plumbing = all.length - outputs.length;
  lines.push('', `Outputs (${outputs.length}${plumbing ? `, and ${plumbing} read by other stacks` : ''}), printed by \`cdk deploy\`:`);
  const ow = Math.max(0, ...outputs.map(([k]) => k.length));
  for (const [key, o] of outputs) lines.push(`  ${key.padEnd(ow)}  ${o.Description ?? ''}`.trimEnd());
  return lines.join('\n') + '\n';
}

/** The README with its `<!-- synth-stacks -->` block replaced by `table`. */
export function withStackTable(readme: string, table: string): string {
  const re = /(<!-- synth-stacks:begin -->\n```text\n)[\s\S]*?(```\n<!-- synth-stacks:end -->)/;
  if (!re.test(readme)) throw new Error('README.md has no <!-- synth-stacks:begin --> ... <!-- synth-stacks:end --> block');
  return readme.replace(re, (_m, open: string, close: string) => `${open}${table}${close}`);
}

if (require.main === module) {
  const args = process.argv.slice(2);
  const readme = args.includes('--readme');
  const outDir = args.find((a) => !a.startsWith('--')) ?? 'cdk.out';
  try {
    const dir = path.relative(process.cwd(), path.resolve(outDir)) || '.';
    if (readme) {
      const file = path.resolve(__dirname, '..', 'README.md');
      writeFileSync(file, withStackTable(readFileSync(file, 'utf8'), stackTable(dir)));
      process.stdout.write(`README.md: stack table from ${dir}\n`);
    } else {
      process.stdout.write(`\n${summarizeCloudAssembly(dir)}`);
    }
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
