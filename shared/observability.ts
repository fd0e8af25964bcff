/**
 * Powertools in every function: the one structured Logger, one Metrics instance (EMF, namespace
 * `paygo`, dimension service=paygo) and one Tracer, and `observed()`, which wraps a Lambda entry
 * point in the three middlewares. Every API handler gets them through the route factory
 * (shared/http/route.ts); every worker wraps its `handler` with `observed`.
 *
 * Outside Lambda (tests, the local twin, scripts) the Tracer is off by itself (Powertools enables
 * it only when AWS_EXECUTION_ENV is set), so nothing waits on an X-Ray daemon; metrics a handler adds
 * still print as EMF lines on stdout unless POWERTOOLS_METRICS_DISABLED=true, and no ColdStart is
 * counted (Powertools counts one only when AWS_LAMBDA_INITIALIZATION_TYPE is `on-demand`).
 *
 * What must never reach a log line, a metric or a trace: API keys and request headers. So the event
 * is never logged (logEvent: false, whatever POWERTOOLS_LOGGER_LOG_EVENT says) and responses are not
 * recorded in traces (POST /api-keys answers with a key in clear).
 */
import { injectLambdaContext } from '@aws-lambda-powertools/logger/middleware';
import { Metrics, MetricUnit } from '@aws-lambda-powertools/metrics';
import { logMetrics } from '@aws-lambda-powertools/metrics/middleware';
import { Tracer } from '@aws-lambda-powertools/tracer';
import { captureLambdaHandler } from '@aws-lambda-powertools/tracer/middleware';
import middy from '@middy/core';
import { logger } from './logger';

export { logger, MetricUnit };

/** The service name on logs, metrics (the `service` dimension) and traces. */
export const SERVICE_NAME = 'paygo';
/** The CloudWatch namespace of paygo's own metrics. */
export const METRICS_NAMESPACE = 'paygo';

/** Powertools' warning when an invocation added no metric: normal for most routes, so not a warning here. */
const NO_METRICS_WARNING = 'No application metrics to publish';

export const metrics = new Metrics({
  namespace: METRICS_NAMESPACE,
  serviceName: SERVICE_NAME,
  // Its own diagnostics go through the JSON logger; "nothing to publish" only at debug level.
  logger: {
    debug: (...args: unknown[]) => logger.debug(String(args[0]), { details: args.slice(1) }),
    info: (...args: unknown[]) => logger.info(String(args[0]), { details: args.slice(1) }),
    warn: (...args: unknown[]) => {
      if (String(args[0]).startsWith(NO_METRICS_WARNING)) logger.debug(String(args[0]));
      else logger.warn(String(args[0]), { details: args.slice(1) });
    },
    error: (...args: unknown[]) => logger.error(String(args[0]), { details: args.slice(1) }),
  },
});

export const tracer = new Tracer({ serviceName: SERVICE_NAME });

/** The three Powertools middlewares, in the order Powertools documents (tracer outermost). */
export function observabilityMiddlewares() {
  return [
    captureLambdaHandler(tracer, { captureResponse: false }),
    // A route that adds no metric is not an error (most GETs): never throw on empty.
    logMetrics(metrics, { captureColdStartMetric: true, throwOnEmptyMetrics: false }),
    // resetKeys: keys a handler appends live for its invocation only.
    injectLambdaContext(logger, { logEvent: false, resetKeys: true }),
  ];
}

/**
 * A Lambda entry point with logs, metrics and traces: `fn` wrapped in middy with the three
 * Powertools middlewares, typed as `fn` itself so callers (tests, the twin) call it exactly as before.
 * middy stands in `{}` for a missing context; `fn` gets `undefined` then, as it would have unwrapped.
 * middy's early timeout is off: the workers watch their own remaining time (fan-out) or are short.
 */
export function observed<F extends (event: never, context?: never) => Promise<unknown>>(fn: F): F {
  const call = fn as unknown as (event: unknown, context?: object) => Promise<unknown>;
  return middy({ timeoutEarlyInMillis: 0 })
    .use(observabilityMiddlewares())
    .handler((event: unknown, context: object) => call(event, isLambdaContext(context) ? context : undefined)) as unknown as F;
}

/** A context someone passed (Lambda's, the twin's, a test's), not middy's `{}` for a missing one. */
function isLambdaContext(context: object): boolean {
  return 'getRemainingTimeInMillis' in context || Object.keys(context).length > 0;
}
