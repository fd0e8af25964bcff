/**
 * `npm start`: the local twin (README "Run it locally").
 *
 *   npm start                      in memory, port $PORT or 3000
 *   npm start -- --data .local-data   keep DynamoDB Local's data between runs
 *
 * Env: PORT, HOST (default 127.0.0.1), PAYGO_ADMIN_KEY (else one is generated and printed; with
 * --data it is kept in the data directory), BILLING_TIME_ZONE, CURRENCY. Ctrl-C (SIGINT) or SIGTERM
 * stops everything, DynamoDB Local's Java process included; so does a crash, and so does a SIGKILL of
 * this process (DynamoDB Local's watchdog, local/watchdog.ts).
 */
import { parseArgs } from 'node:util';
import { errnoCode, StartupError } from './errors';
import { warnIfNotLambdaNode } from './node-runtime';
import { killDynamosNow, startTwin, type Twin } from './twin';

export { startTwin, type Twin, type TwinOptions } from './twin';

const USAGE = `usage: npm start [-- --data DIR]
  --data DIR   persist DynamoDB Local's data in DIR (created if missing); default: in memory
env: PORT (3000), HOST (127.0.0.1), PAYGO_ADMIN_KEY (32+ characters), BILLING_TIME_ZONE (Europe/Kyiv), CURRENCY (UAH)`;

/**
 * The CLI: parses `argv` (without node and the script), starts the twin, prints the banner, and owns
 * the process's signal and crash handlers (so call it only from an entry point).
 */
export async function runCli(argv: string[] = process.argv.slice(2)): Promise<void> {
  let args;
  try {
    args = parseArgs({ args: argv, options: { data: { type: 'string' }, help: { type: 'boolean', short: 'h' } }, strict: true }).values;
  } catch (e) {
    console.error(`${e instanceof Error ? e.message : String(e)}\n${USAGE}`);
    process.exit(2);
  }
  if (args.help) {
    console.log(USAGE);
    return;
  }
  // The SDK's notice about future Node versions is noise for a local run (set the variable to see it);
  // this one says the same in one line, and how to run on Lambda's Node.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  warnIfNotLambdaNode();

  // Whatever happens, no Java process outlives this one.
  process.on('exit', killDynamosNow);
  const crash = (kind: string) => (e: unknown) => {
    console.error(`paygo twin: ${kind}:`, e);
    killDynamosNow();
    process.exit(1);
  };
  process.on('uncaughtException', crash('uncaught exception'));
  process.on('unhandledRejection', crash('unhandled rejection'));

  let twin: Twin | undefined;
  let stopping = false;
  const shutdown = (signal: NodeJS.Signals) => {
    if (stopping) {
      // A second Ctrl-C: do not wait for in-flight work.
      killDynamosNow();
      process.exit(130);
    }
    stopping = true;
    console.log(`\n${signal}: stopping the twin…`);
    const done = twin ? twin.stop() : Promise.resolve();
    done.then(
      () => { console.log('stopped.'); process.exit(0); },
      (e: unknown) => { console.error('stop failed:', e); killDynamosNow(); process.exit(1); },
    );
  };
  process.on('SIGINT', shutdown);
  process.on('SIGTERM', shutdown);

  const started = Date.now();
  console.log(`paygo local twin: starting${args.data ? ` (data in ${args.data})` : ' (in memory)'}…`);
  try {
    twin = await startTwin(args.data ? { dataDir: args.data } : {});
  } catch (e) {
    console.error(e instanceof StartupError
      ? `paygo twin: ${e.message}`
      // The port was free when checked but taken before the twin listened.
      : errnoCode(e) === 'EADDRINUSE'
        ? `paygo twin: port ${process.env.PORT ?? 3000} is in use; set PORT to another port`
        : `paygo twin: failed to start: ${e instanceof Error ? e.message.split('\n')[0] : String(e)}`);
    killDynamosNow();
    process.exit(1);
  }
  if (stopping) { await twin.stop(); process.exit(0); }

  const next = twin.scheduler?.next;
  console.log([
    '',
    `  API           ${twin.url}`,
    `  API reference ${twin.url}/docs`,
    adminKeyLine(twin),
    `  DynamoDB      ${twin.dynamoEndpoint} (pid ${twin.dynamoPid ?? '?'}, ${args.data ? `data in ${args.data}` : 'in memory'})`,
    `  billing       ${twin.billingTimeZone}, ${twin.currency}; nightly charge at 00:05${next ? ` (next ${next.local} for ${next.date})` : ''}`,
    '',
    `ready: ${twin.url} in ${((Date.now() - started) / 1000).toFixed(1)} s. Ctrl-C stops everything.`,
  ].join('\n'));
}

function adminKeyLine(twin: Twin): string {
  const key = `  admin key     ${twin.adminKey}\n                `;
  if (twin.adminKeyFile) {
    return twin.adminKeyGenerated
      ? `${key}(generated and kept in ${twin.adminKeyFile} for the next start; set PAYGO_ADMIN_KEY to choose one)`
      : `${key}(kept in ${twin.adminKeyFile})`;
  }
  return twin.adminKeyGenerated
    ? `${key}(generated for this run; set PAYGO_ADMIN_KEY to choose one)`
    : '  admin key     from PAYGO_ADMIN_KEY';
}

// Run only as the entry point (`tsx local/start.ts`), not when a test imports startTwin from here.
if (typeof require !== 'undefined' && typeof module !== 'undefined' && require.main === module) {
  void runCli();
}
