/**
 * The repository stands on its own: a clone is all a reader needs. Every relative link of the
 * Markdown files lands on a file of the repository (and on a heading of it, for `#anchors`), and no
 * file sends the reader to a document the repository does not have: the project's own documentation
 * is docs/api.md, docs/billing.md and docs/reliability.md.
 */
import * as fs from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(__dirname, '../..');
const SKIP_DIRS = new Set(['node_modules', '.git', 'cdk.out', 'coverage', '.local-data']);
const TEXT = /\.(ts|mts|cts|js|mjs|cjs|md|json|ya?ml|html|sh|txt)$/;

function filesUnder(dir: string): string[] {
  const out: string[] = [];
  for (const entry of fs.readdirSync(path.join(ROOT, dir), { withFileTypes: true })) {
    const rel = path.join(dir, entry.name);
    if (entry.isDirectory()) { if (!SKIP_DIRS.has(entry.name)) out.push(...filesUnder(rel)); } else if (TEXT.test(entry.name)) out.push(rel);
  }
  return out;
}

const FILES = filesUnder('.').filter((f) => f !== 'package-lock.json');
const read = (file: string) => fs.readFileSync(path.join(ROOT, file), 'utf8');

/** GitHub's anchor of a heading: lower case, punctuation dropped, spaces to hyphens. */
function slug(heading: string): string {
  return heading.trim().toLowerCase().replace(/`/g, '').replace(/[^\p{L}\p{N}\s_-]/gu, '').replace(/\s/g, '-');
}

function anchorsOf(markdown: string): Set<string> {
  const prose = markdown.replace(/```[\s\S]*?```/g, '');
  return new Set([...prose.matchAll(/^#{1,6}\s+(.+)$/gm)].map((m) => slug(m[1]!)));
}

/** Problems with the relative links of one Markdown file. */
function linkProblems(file: string): string[] {
  const text = read(file).replace(/```[\s\S]*?```/g, '');
  const problems: string[] = [];
  for (const m of text.matchAll(/\]\(([^)\s]+)\)/g)) {
    const target = m[1]!;
    if (/^[a-z]+:/i.test(target)) continue; // https:, mailto:
    const [filePart, anchor] = target.split('#') as [string, string | undefined];
    const resolved = filePart === '' ? path.join(ROOT, file) : path.resolve(ROOT, path.dirname(file), filePart);
    if (!resolved.startsWith(ROOT + path.sep) && resolved !== ROOT) { problems.push(`${file}: ${target} is outside the repository`); continue; }
    if (!fs.existsSync(resolved)) { problems.push(`${file}: ${target} does not exist`); continue; }
    if (anchor && resolved.endsWith('.md') && !anchorsOf(fs.readFileSync(resolved, 'utf8')).has(anchor)) problems.push(`${file}: ${target} names no heading`);
  }
  return problems;
}

/** Documents of the team's brief, which live beside a checkout and never in a clone. */
const OUTSIDE_DOCUMENTS = /\b(API|RELIABILITY|DESIGN|STYLE|TOOLCHAIN)\.md\b|\.\.\/shared\/[A-Z]/;


describe('the repository stands on its own', () => {
  it('has its documentation in docs/, linked from the README', () => {
    const readme = read('README.md');
    for (const doc of ['docs/api.md', 'docs/billing.md', 'docs/reliability.md']) {
      expect(fs.existsSync(path.join(ROOT, doc)), doc).toBe(true);
      expect(readme, doc).toContain(`](${doc})`);
    }
  });

  it('links only to files and headings inside the repository', () => {
    expect(FILES.filter((f) => f.endsWith('.md')).flatMap(linkProblems)).toEqual([]);
  });

  it('names no document that only exists outside it', () => {
    const self = path.relative(ROOT, __filename);
    const named = FILES.filter((f) => f !== self)
      .flatMap((f) => read(f).split('\n').map((line, i) => [f, i + 1, line] as const))
      .filter(([, , line]) => OUTSIDE_DOCUMENTS.test(line))
      .map(([f, n, line]) => `${f}:${n}: ${line.trim().slice(0, 100)}`);
    expect(named).toEqual([]);
  });

  it('catches what it looks for', () => {
    expect(OUTSIDE_DOCUMENTS.test('The HTTP contract is [`API.md`](../shared/API.md)')).toBe(true);
    expect(OUTSIDE_DOCUMENTS.test('see docs/api.md and docs/reliability.md rule 5')).toBe(false);
    expect(OUTSIDE_DOCUMENTS.test("import { keys } from '../shared/store/keys';")).toBe(false);
    expect(slug('GET /projects/{projectId}/ledger')).toBe('get-projectsprojectidledger');
    expect(slug('10. Catch-up of missed nights')).toBe('10-catch-up-of-missed-nights');
  });
});
