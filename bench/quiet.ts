/**
 * Imported first by every bench (before any handler module builds its Powertools logger and metrics):
 * stdout carries only the bench lines. Handler logs and EMF metric lines are off unless asked for
 * (BENCH_LOG_LEVEL=INFO, or POWERTOOLS_METRICS_DISABLED=false). Lambda's Advanced Logging Controls
 * and the logger middleware reset a level set at run time, so it is set through the environment.
 */
process.env.POWERTOOLS_LOG_LEVEL = process.env.BENCH_LOG_LEVEL ?? 'SILENT';
process.env.POWERTOOLS_METRICS_DISABLED ??= 'true';
process.env.POWERTOOLS_TRACE_ENABLED ??= 'false';
// The SDK's notice about the Node version is noise here.
process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';

export {};
