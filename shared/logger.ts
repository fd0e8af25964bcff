/**
 * One structured logger for every function (Powertools). Nothing secret is ever passed to it: API keys
 * are logged by id, never by value, and request headers are not logged.
 */
import { Logger } from '@aws-lambda-powertools/logger';

export const logger = new Logger({ serviceName: process.env.POWERTOOLS_SERVICE_NAME ?? 'paygo' });
