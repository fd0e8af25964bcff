/**
 * Imports run one way: handlers → use cases → store and domain; store → domain; the domain imports
 * nothing impure. A file that imports the wrong way fails here with its name and the import.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) out.push(...filesUnder(rel));
    else if (entry.name.endsWith('.ts')) out.push(rel);
  }
  return out;
}

/** Every import specifier of a file, resolved to a path from the repository root when it is relative. */
function importsOf(file: string): string[] {
  const source = fs.readFileSync(path.join(ROOT, file), 'utf8');
  const specs = [...source.matchAll(/^\s*(?:import|export)\s[^;]*?from\s+'([^']+)'|^\s*import\s+'([^']+)'/gm)].map((m) => m[1] ?? m[2]!);
  return specs.map((s) => (s.startsWith('.') ? path.relative(ROOT, path.resolve(ROOT, path.dirname(file), s)) : s));
}

/** The imports of every file under `dir` that `allowed` refuses, as "file: import". */
function violations(dir: string, allowed: (spec: string, file: string) => boolean): string[] {
  return filesUnder(dir).flatMap((file) => importsOf(file).filter((spec) => !allowed(spec, file)).map((spec) => `${file}: ${spec}`));
}

const under = (spec: string, ...dirs: string[]) => dirs.some((d) => spec === d || spec.startsWith(`${d}/`));

describe('imports run one way', () => {
  it('the domain imports only itself, zod, the time zone library and the phone-number table: no AWS, no clock, no store, no HTTP', () => {
    expect(violations('shared/domain', (s) => under(s, 'shared/domain') || s === 'zod' || under(s, '@date-fns/tz') || s === './country-metadata.json')).toEqual([]);
  });

  it('the store imports the domain and its own mechanisms, never use cases, HTTP or handlers', () => {
    expect(violations('shared/store', (s) =>
      under(s, 'shared/store', 'shared/domain') || ['shared/tables', 'shared/concurrency', 'shared/config', 'shared/runtime'].includes(s)
      || s.startsWith('@aws-sdk/') || s.startsWith('node:'))).toEqual([]);
  });

  it('use cases import the store, the domain, webhook delivery and the process ports, never HTTP or handlers', () => {
    expect(violations('shared/billing', (s) =>
      under(s, 'shared/billing', 'shared/store', 'shared/domain', 'shared/aws', 'shared/delivery')
      || ['shared/config', 'shared/runtime', 'shared/logger', 'shared/concurrency', 'shared/catalog-source'].includes(s) || s.startsWith('node:'))).toEqual([]);
  });

  it('the HTTP layer imports the domain and its own plumbing, never the store or a use case', () => {
    expect(violations('shared/http', (s) =>
      under(s, 'shared/http', 'shared/domain') || ['shared/tables', 'shared/logger', 'shared/observability'].includes(s)
      || ['zod', '@middy/core', 'aws-lambda'].includes(s)
      // The statement's PDF (shared/http/statement-pdf.ts): the library and the font file it reads.
      || ['pdfkit', 'node:fs', 'node:module', 'node:path'].includes(s))).toEqual([]);
  });

  it('a handler imports use cases, the domain and the HTTP layer, and its store context from a composition root: no store file, never another handler', () => {
    expect(violations('functions', (s, file) =>
      under(s, 'shared/billing', 'shared/domain', 'shared/http')
      // API handlers plug the store into the route factory (idempotency records); the others need no HTTP layer.
      || s === (file.startsWith('functions/api/') ? 'shared/composition/api' : 'shared/composition/workers')
      || ['shared/logger', 'shared/observability', 'shared/config', 'shared/catalog-source'].includes(s)
      || ['zod', 'aws-lambda', '@aws-sdk/client-dynamodb', '@aws-sdk/util-dynamodb', '@aws-lambda-powertools/metrics'].includes(s))).toEqual([]);
  });

  it('the composition roots import the store and the HTTP layer, never a use case', () => {
    expect(violations('shared/composition', (s) => under(s, 'shared/store', 'shared/http', 'shared/composition'))).toEqual([]);
    // The workers' root keeps the HTTP layer out of their bundles.
    expect(violations('shared/composition', (s, file) => !(file.endsWith('workers.ts') && under(s, 'shared/http')))).toEqual([]);
  });

  it('the infrastructure reads the declarations, never the code behind them', () => {
    expect(violations('lib', (s) =>
      under(s, 'lib') || ['shared/http/routes', 'shared/workers', 'shared/tables', 'shared/config'].includes(s)
      || s.startsWith('aws-cdk-lib') || ['constructs', 'cdk-nag', 'node:fs', 'node:path'].includes(s))).toEqual([]);
  });

  it('finds a wrong import when there is one', () => {
    // The checker itself: a domain file importing the store must be reported.
    const fake = violations('shared/domain', (s) => s !== 'shared/domain/money');
    expect(fake.some((v) => v.endsWith(': shared/domain/money'))).toBe(true);
  });
});

describe('a commit speaks the domain', () => {
  it("DynamoDB's cancellation codes and item positions stay in the store: no use case, handler or HTTP file reads them", () => {
    // Words that only code reading a cancellation's raw reasons would write.
    const raw = /CancellationReasons|ConditionalCheckFailed|TransactionConflict|\breasons\s*\[|\.reasons\b|TRANSIENT_REASONS/;
    const offenders = ['shared/billing', 'shared/http', 'shared/composition', 'shared/domain', 'functions', 'local']
      .flatMap((dir) => filesUnder(dir))
      .filter((file) => raw.test(fs.readFileSync(path.join(ROOT, file), 'utf8')));
    expect(offenders).toEqual([]);
  });
});
