/**
 * The README's shell blocks, each pasted twice in a row into one running twin (issue 20 §7), and the
 * figures the README shows for them.
 *
 * THE CONVENTION, for everyone who adds a README block:
 * - Put `<!-- readme-test -->` on the line right before a ```sh fence: this test then runs the block
 *   with bash (`-e -o pipefail`, so a failing command fails the test), twice in a row, against one twin,
 *   with PAYGO_URL (the twin's URL, on a free port) and ADMIN (its admin key) in the environment.
 * - The block sets what it needs at its top, as a reader pasting it would need:
 *   `BASE=${PAYGO_URL:-http://localhost:${PORT:-3000}}`, `ADMIN=${ADMIN:-pg_paste_the_admin_key_here}`,
 *   fresh ids per paste (`RUN=$(date +%s)$RANDOM`), and no variable from another block. After
 *   extracting an id it checks it: `: "${PROJECT:?no project created: ...}"`.
 * - To have the shown output checked, put `<!-- readme-output -->` right before the fenced block that
 *   shows what the sh block prints (the next such block after it). Line i shown is compared with the
 *   i-th non-empty line printed: a JSON line by its numbers (every number the shown JSON has must be
 *   printed at the same place; strings may differ: ids, dates), any other line as a pattern where `…`
 *   stands for anything and dates and runs of 9+ digits (ids made from the clock) are not compared.
 *   Lines printed beyond the shown ones are not compared. A long JSON answer may be shown over several
 *   lines (a line starting `{` or `[` that is not JSON alone is joined with the next until it is);
 *   it is compared with one printed line.
 * - A block that starts a server of its own takes its port from a variable with a default
 *   (`HOOK_PORT=${HOOK_PORT:-…}`, the webhook receiver): the test sets it to a port that was free a
 *   moment before, for each paste. Files a block writes go to `${TMPDIR:-/tmp}` (or `mktemp`), never
 *   the checkout: the test gives each run a TMPDIR of its own and removes it.
 *
 * NOT MARKED, and why: the blocks that install or start things (`npm ci`, `npm start`: the test is
 * itself the twin), that rewrite committed files (`npm run client`), or that need an AWS account and
 * its resources (`cdk deploy`, `npm run admin-key` on a deployed table, `npm run ops` on real queues;
 * test/ops covers those commands against the twin). The nightly block runs twice like the others, but
 * its output stays unmarked: its three days are the three before today, and each day's share of a
 * monthly price depends on the day and the month's length (the README shows 28 to 30 November and says
 * so), so no fixed figure would hold on another date.
 *
 * Run with the figure tests (vitest.figures.config.mts), alone: the blocks wait on the twin's real
 * stream debit (`sleep 2`), which a loaded machine could make late.
 */
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { startTwin, type Twin } from '../../local/twin';

export interface ReadmeBlock {
  /** 1-based line of the fence. */
  line: number;
  script: string;
  /** The shown output's lines, when marked. */
  shown?: string[];
}

/** The marked blocks of a README text (see the header). */
export function readmeBlocks(text: string): ReadmeBlock[] {
  const lines = text.split('\n');
  const blocks: ReadmeBlock[] = [];
  let i = 0;
  const fenced = (start: number): { body: string[]; end: number } => {
    const body: string[] = [];
    let j = start + 1;
    while (j < lines.length && !lines[j]!.startsWith('```')) body.push(lines[j++]!);
    return { body, end: j };
  };
  while (i < lines.length) {
    if (lines[i]!.trim() === '<!-- readme-test -->' && lines[i + 1]?.startsWith('```sh')) {
      const { body, end } = fenced(i + 1);
      const block: ReadmeBlock = { line: i + 2, script: body.join('\n') };
      // Its output block, if marked before the next test block.
      for (let k = end + 1; k < lines.length; k++) {
        if (lines[k]!.trim() === '<!-- readme-test -->') break;
        if (lines[k]!.trim() === '<!-- readme-output -->' && lines[k + 1]?.startsWith('```')) {
          block.shown = joinJson(fenced(k + 1).body.filter((l) => l.trim() !== ''));
          break;
        }
      }
      blocks.push(block);
      i = end + 1;
    } else {
      i++;
    }
  }
  return blocks;
}

/** Shown lines with a JSON value spread over several of them made one line each (see the header). */
function joinJson(lines: string[]): string[] {
  const out: string[] = [];
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    let joined = line;
    let end = i;
    if (/^[{[]/.test(line) && parse(line) === undefined) {
      for (let j = i + 1; j < lines.length; j++) {
        joined += lines[j]!.trim();
        if (parse(joined) !== undefined) { end = j; break; }
      }
    }
    if (end > i) { out.push(joined); i = end; } else out.push(line);
  }
  return out;
}

/** Every number of `shown` is in `actual` at the same place; strings and extra fields are free. */
function numbersMatch(shown: unknown, actual: unknown, at = '$'): string | null {
  if (typeof shown === 'number') return shown === actual ? null : `${at}: shown ${shown}, printed ${JSON.stringify(actual)}`;
  if (Array.isArray(shown)) {
    if (!Array.isArray(actual) || actual.length !== shown.length) return `${at}: shown ${shown.length} items, printed ${JSON.stringify(actual)}`;
    for (let k = 0; k < shown.length; k++) { const e = numbersMatch(shown[k], actual[k], `${at}[${k}]`); if (e) return e; }
    return null;
  }
  if (shown && typeof shown === 'object') {
    if (!actual || typeof actual !== 'object') return `${at}: printed ${JSON.stringify(actual)}`;
    for (const [key, v] of Object.entries(shown)) {
      if (!Object.hasOwn(actual, key)) return `${at}.${key}: not printed`;
      const e = numbersMatch(v, (actual as Record<string, unknown>)[key], `${at}.${key}`);
      if (e) return e;
    }
  }
  return null;
}

const mask = (s: string): string => s.replace(/\d{4}-\d{2}-\d{2}(T[\d:.]+Z?)?/g, 'D').replace(/\d{9,}/g, 'N');
const parse = (s: string): unknown => { try { return JSON.parse(s); } catch { return undefined; } };

/** Why a printed line does not show what the README shows, or null. */
export function lineMismatch(shown: string, printed: string): string | null {
  const a = parse(shown);
  const b = parse(printed);
  if (a !== undefined && b !== undefined && typeof a === 'object') return numbersMatch(a, b);
  const pattern = new RegExp(`^${mask(shown).split('…').map((p) => p.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')).join('.*')}$`);
  return pattern.test(mask(printed)) ? null : `shown ${shown}\n  printed ${printed}`;
}

/** Runs a script with bash, asynchronously: the twin answering it runs in this process. */
function bash(script: string, env: Record<string, string>): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn('bash', ['-e', '-o', 'pipefail', '-c', script], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => { stdout += d; });
    child.stderr.setEncoding('utf8').on('data', (d: string) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), 50_000);
    child.on('error', reject);
    child.on('close', (status) => { clearTimeout(timer); resolve({ status, stdout, stderr }); });
  });
}

/** A port nothing listens on now (the webhook receiver's, per paste). */
function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer().once('error', reject).listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

const README = path.resolve(__dirname, '..', '..', 'README.md');
const blocks = readmeBlocks(readFileSync(README, 'utf8'));
let twin: Twin;
const ADMIN = 'pg_readme_admin_key_for_tests_only_0000';

beforeAll(async () => {
  twin = await startTwin({ port: 0, dynamoEndpoint: inject('dynamoEndpoint'), tablePrefix: `rdm${randomUUID().slice(0, 6)}`, adminKey: ADMIN, scheduler: false });
}, 120_000);
// What the blocks leave in TMPDIR (the receiver's log, the statement's PDF) goes with the run.
const TMP = mkdtempSync(path.join(tmpdir(), 'paygo-readme-'));
afterAll(async () => { await twin?.stop(); rmSync(TMP, { recursive: true, force: true }); });

describe('the README convention', () => {
  it('finds the marked blocks and their shown output', () => {
    expect(blocks.length).toBeGreaterThan(0);
    const parsed = readmeBlocks('<!-- readme-test -->\n```sh\necho 1\n```\ntext\n<!-- readme-output -->\n```\n1\n\n```\n```sh\nnot marked\n```');
    expect(parsed).toEqual([{ line: 2, script: 'echo 1', shown: ['1'] }]);
    const spread = readmeBlocks('<!-- readme-test -->\n```sh\nx\n```\n<!-- readme-output -->\n```\n{"a":[\n  1,\n  2]}\n{"b":…\n[\n  {\n```');
    expect(spread[0]!.shown).toEqual(['{"a":[1,2]}', '{"b":…', '[', '  {']);
  });

  it('compares JSON by its numbers and other lines as patterns', () => {
    expect(lineMismatch('{"balance":49515,"projectId":"prj_…"}', '{"balance":49515,"projectId":"prj_x","extra":1}')).toBeNull();
    expect(lineMismatch('{"balance":49515}', '{"balance":49516}')).toMatch(/shown 49515, printed 49516/);
    expect(lineMismatch('prj_…', 'prj_abc')).toBeNull();
    expect(lineMismatch('payment#pay-1796091211,2026-12-01,50000', 'payment#pay-180000000123,2026-12-07,50000')).toBeNull();
    expect(lineMismatch('payment#pay-1796091211,2026-12-01,50000', 'payment#pay-180000000123,2026-12-07,50001')).not.toBeNull();
  });
});

describe.each(blocks.map((b) => [b.line, b] as const))('README block at line %i', (_line, block) => {
  it('runs twice in a row against one twin, printing what the README shows each time', async () => {
    for (const paste of [1, 2]) {
      const r = await bash(block.script, { PAYGO_URL: twin.url, ADMIN, PORT: '', HOOK_PORT: String(await freePort()), TMPDIR: TMP });
      expect(r.status, `paste ${paste} failed:\n${r.stderr}\n${r.stdout}`).toBe(0);
      if (!block.shown) continue;
      // CSV answers end their lines with CRLF.
      const printed = r.stdout.split('\n').map((l) => l.replace(/\r$/, '')).filter((l) => l.trim() !== '');
      expect(printed.length, `paste ${paste} printed fewer lines than shown:\n${r.stdout}`).toBeGreaterThanOrEqual(block.shown.length);
      const mismatches = block.shown.map((s, k) => lineMismatch(s, printed[k]!)).map((m, k) => (m ? `line ${k + 1}: ${m}` : null)).filter(Boolean);
      expect(mismatches, `paste ${paste}`).toEqual([]);
    }
  });
});
