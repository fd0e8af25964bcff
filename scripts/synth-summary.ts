/**
 * Run by `npm run synth` after `cdk synth --quiet`, which prints only the bundling of each function:
 * where the template is, and what is in it (resources by type, the functions, the outputs).
 * `tsx scripts/synth-summary.ts [cdk.out]`.
 */
import { existsSync, readFileSync, statSync } from 'node:fs';
import * as path from 'node:path';

interface Resource { Type: string; Properties?: Record<string, unknown>; Metadata?: Record<string, unknown> }
interface Template { Resources?: Record<string, Resource>; Outputs?: Record<string, { Description?: string }> }
interface Manifest { artifacts?: Record<string, { type: string; displayName?: string; properties?: { templateFile?: string } }> }

const kb = (bytes: number): string => `${Math.round(bytes / 1024)} KB`;

/** The summary of every stack in a cloud assembly (the `cdk.out` folder `cdk synth` writes). */
export function summarizeCloudAssembly(outDir: string): string {
  const manifest = JSON.parse(readFileSync(path.join(outDir, 'manifest.json'), 'utf8')) as Manifest;
  const stacks = Object.entries(manifest.artifacts ?? {}).filter(([, a]) => a.type === 'aws:cloudformation:stack' && a.properties?.templateFile);
  if (stacks.length === 0) throw new Error(`no stack in ${path.join(outDir, 'manifest.json')}`);
  return stacks.map(([id, a]) => summarizeStack(outDir, a.displayName ?? id, a.properties!.templateFile!)).join('\n');
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

  const outputs = Object.entries(template.Outputs ?? {});
  lines.push('', `Outputs (${outputs.length}), printed by \`cdk deploy\`:`);
  const ow = Math.max(0, ...outputs.map(([k]) => k.length));
  for (const [key, o] of outputs) lines.push(`  ${key.padEnd(ow)}  ${o.Description ?? ''}`.trimEnd());
  return lines.join('\n') + '\n';
}

if (require.main === module) {
  const outDir = process.argv[2] ?? 'cdk.out';
  try {
    process.stdout.write(`\n${summarizeCloudAssembly(path.relative(process.cwd(), path.resolve(outDir)) || '.')}`);
  } catch (e) {
    console.error(e instanceof Error ? e.message : String(e));
    process.exitCode = 1;
  }
}
