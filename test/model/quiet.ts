/**
 * Imported first by the model test and the soak: no EMF metric lines and no logs from the handlers.
 * Powertools reads these when its Metrics and Logger are constructed, at import time. Injected crashes
 * make the handlers log errors by design; the model's assertions say what matters.
 */
process.env.POWERTOOLS_METRICS_DISABLED = 'true';
process.env.POWERTOOLS_LOG_LEVEL = 'SILENT';
