/**
 * Stands in for `semver` in Lambda bundles (an esbuild alias in lib/constructs/paygo-function.ts).
 * The only user is aws-xray-sdk-core's patcher for the AWS SDK v2 (`captureAWS`), which paygo never
 * calls: its v3 clients are traced with `captureAWSv3Client`. 28 KB less per bundle; should the v2
 * patcher ever run, it fails loudly here instead of silently misjudging a version.
 */
export function gte(): never {
  throw new Error('semver is stubbed in paygo bundles: the X-Ray AWS SDK v2 patcher (captureAWS) is not supported');
}
