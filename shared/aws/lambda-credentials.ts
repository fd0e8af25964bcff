/**
 * Stands in for `@aws-sdk/credential-provider-node` in Lambda bundles (an esbuild alias in
 * lib/constructs/paygo-function.ts). Lambda hands a function its role's credentials in environment
 * variables, so the SDK's full default chain (SSO, INI files, process, web identity, IMDS: ~130 KB
 * minified) is never used there; the environment provider is the one that answers.
 */
import { fromEnv } from '@aws-sdk/credential-provider-env';

export const defaultProvider = (init?: Parameters<typeof fromEnv>[0]) => fromEnv(init);
