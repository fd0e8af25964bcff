/**
 * Lambda bundle size and load time: every function entry of ROUTES and WORKERS bundled with esbuild
 * exactly as lib/constructs/paygo-function.ts has NodejsFunction do it (platform node, target node22,
 * CJS, minified, AWS SDK bundled, no externals, mainFields module,main, external source map without
 * sources), then each bundle required in a fresh Node process with the flag Lambda runs it with
 * (NODE_OPTIONS=--enable-source-maps). The line gives the largest bundle and the slowest load (each
 * bundle's median wall-clock time over LOADS fresh processes; the notes add the fastest run and the
 * CPU time, which tell a heavy bundle from a busy machine).
 *
 * Init here is the module load only (what Lambda bills as the init phase beyond the runtime's own
 * start); the first DynamoDB call's TLS handshake is not in it. With BENCH_VERBOSE=1 the notes list
 * every bundle and the largest packages of the biggest one (from esbuild's metafile).
 * `npx tsx bench/bundle.ts` prints the line alone.
 */
import './quiet';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { build, type BuildOptions, type Metafile } from 'esbuild';
import { ROUTES } from '../shared/http/routes';
import { WORKERS } from '../shared/workers';
import { note, runAlone } from './harness';
import { BUNDLE_ALIASES } from '../lib/constructs/paygo-function';

const REPO_ROOT = resolve(__dirname, '..');
/** Fresh processes per bundle, interleaved across bundles so a burst of load does not hit one bundle only. */
const LOADS = 5;

/** The options NodejsFunction passes esbuild for a PaygoFunction (keep in step with paygo-function.ts). */
export const LAMBDA_BUILD_OPTIONS: BuildOptions = {
  bundle: true,
  platform: 'node',
  target: 'node22',
  format: 'cjs',
  minify: true,
  sourcemap: 'external',
  sourcesContent: false,
  mainFields: ['module', 'main'],
  external: [],
  alias: BUNDLE_ALIASES,
  logLevel: 'error',
};

export interface BundleFigure {
  entry: string;
  bytes: number;
  /** Median wall-clock load time. */
  initMs: number;
  /** Fastest wall-clock load and median CPU time of the load (both far less sensitive to other load on the machine). */
  minMs: number;
  cpuMs: number;
}

function entries(): string[] {
  // A route's `bundles` (the statement's PDF renderer) are bundles of their own, beside its handler's: measured too.
  return [...new Set([...ROUTES.map((r) => r.entry), ...ROUTES.flatMap((r) => r.bundles ?? []), ...Object.values(WORKERS).map((w) => w.entry)])];
}

/** Output file of `entry` under `outdir` (esbuild keeps the paths below the common root). */
function outputOf(metafile: Metafile, entry: string): string {
  const hit = Object.entries(metafile.outputs).find(([, o]) => o.entryPoint === entry);
  if (!hit) throw new Error(`no esbuild output for ${entry}`);
  return resolve(REPO_ROOT, hit[0]);
}

/** Wall-clock and CPU milliseconds to require `file` in a fresh Node process. */
function loadMs(file: string): { wall: number; cpu: number } {
  const script = 'const c=process.cpuUsage(),t=process.hrtime.bigint();require(process.argv[1]);const w=Number(process.hrtime.bigint()-t)/1e6,u=process.cpuUsage(c);'
    + 'process.stdout.write(w+" "+(u.user+u.system)/1e3)';
  const out = execFileSync(process.execPath, ['--enable-source-maps', '-e', script, file], {
    cwd: tmpdir(),
    // No AWS settings or credentials from this shell reach the bundle; only what a cold start has.
    env: { PATH: process.env.PATH ?? '', NODE_OPTIONS: '', AWS_REGION: 'eu-central-1', POWERTOOLS_SERVICE_NAME: 'paygo', BILLING_TIME_ZONE: 'Europe/Kyiv', CURRENCY: 'UAH' },
    encoding: 'utf8',
  });
  const [wall, cpu] = (out.trim().split('\n').pop() ?? '').split(' ').map(Number);
  if (!Number.isFinite(wall) || !Number.isFinite(cpu)) throw new Error(`loading ${file} printed ${out}`);
  return { wall: wall!, cpu: cpu! };
}

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

/** The largest packages in one output, for the notes. */
function biggestInputs(metafile: Metafile, output: string, top = 8): string {
  const inputs = metafile.outputs[output]?.inputs ?? {};
  const byPackage = new Map<string, number>();
  for (const [path, v] of Object.entries(inputs)) {
    const m = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
    const key = m ? m[1]! : path.split('/').slice(0, 2).join('/');
    byPackage.set(key, (byPackage.get(key) ?? 0) + v.bytesInOutput);
  }
  return [...byPackage].sort((a, b) => b[1] - a[1]).slice(0, top).map(([k, v]) => `${k} ${(v / 1024).toFixed(0)}`).join(', ');
}

/** Bundles every function and loads each; returns the figures, largest bundle first. */
export async function measureBundles(): Promise<BundleFigure[]> {
  const outdir = mkdtempSync(join(tmpdir(), 'paygo-bundles-'));
  try {
    const list = entries();
    const result = await build({ ...LAMBDA_BUILD_OPTIONS, absWorkingDir: REPO_ROOT, entryPoints: list, outdir, metafile: true });
    const files = list.map((entry) => outputOf(result.metafile, entry));
    const loads = files.map(() => [] as { wall: number; cpu: number }[]);
    for (let round = 0; round < LOADS; round++) files.forEach((file, i) => loads[i]!.push(loadMs(file)));
    const figures: BundleFigure[] = list.map((entry, i) => ({
      entry,
      bytes: statSync(files[i]!).size,
      initMs: median(loads[i]!.map((l) => l.wall)),
      minMs: Math.min(...loads[i]!.map((l) => l.wall)),
      cpuMs: median(loads[i]!.map((l) => l.cpu)),
    }));
    figures.sort((a, b) => b.bytes - a.bytes);
    const biggest = Object.keys(result.metafile.outputs).find((o) => result.metafile.outputs[o]!.entryPoint === figures[0]!.entry)!;
    note(`bundle: largest ${figures[0]!.entry}: ${biggestInputs(result.metafile, biggest)} (KB in output)`);
    for (const f of figures) {
      note(`bundle: ${(f.bytes / 1024).toFixed(0).padStart(4)} KB  init ${f.initMs.toFixed(0).padStart(4)} ms (min ${f.minMs.toFixed(0)}, cpu ${f.cpuMs.toFixed(0)})  ${f.entry}`);
    }
    return figures;
  } finally {
    rmSync(outdir, { recursive: true, force: true });
  }
}

/** Returns `bench bundle: <K> KB max; init <M> ms max`. */
export async function benchBundle(): Promise<string> {
  const figures = await measureBundles();
  const kb = Math.max(...figures.map((f) => f.bytes)) / 1024;
  const ms = Math.max(...figures.map((f) => f.initMs));
  return `bench bundle: ${Math.round(kb)} KB max; init ${Math.round(ms)} ms max`;
}

runAlone(module, benchBundle);
