/** `npm run bench -- --help` lists the benches; a mistyped name exits 1 and runs nothing (issue 20 §8). */
import { execFileSync, spawnSync } from 'node:child_process';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { benches } from '../../bench/run';

const ROOT = path.resolve(__dirname, '..', '..');
const run = (...args: string[]) => spawnSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', ...args], { cwd: ROOT, encoding: 'utf8' });

describe('npm run bench', () => {
  it('--help lists every bench and exits 0', () => {
    const out = execFileSync(process.execPath, ['--import', 'tsx', 'bench/run.ts', '--help'], { cwd: ROOT, encoding: 'utf8' });
    for (const [name] of benches) expect(out).toMatch(new RegExp(`^  ${name} `, 'm'));
    expect(out).not.toContain('bench total');
  });

  it('refuses an unknown name with exit code 1 and runs nothing', () => {
    const r = run('ratin');
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('unknown bench: ratin');
    expect(r.stdout).not.toContain('bench total');
  });
});
