/** The committed page bundle is the one portal/ builds to (run `npm run build:portal` after changing portal/). */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { GENERATED, portalAssetsSource } from '../../scripts/build-portal';

describe('portal assets', () => {
  it('shared/http/portal-assets.generated.ts is up to date with portal/', () => {
    expect(readFileSync(GENERATED, 'utf8') === portalAssetsSource(), 'run npm run build:portal').toBe(true);
  });
});
