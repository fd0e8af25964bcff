/**
 * client/schema.d.ts is generated from the contract: a contract change committed without
 * `npm run client` would leave callers type-checking against an API that no longer exists.
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { generateSchema, SCHEMA_FILE } from '../../client/generate';
import { openApiDocument } from '../../shared/http/openapi';

describe('client/schema.d.ts', () => {
  it('is what the current OpenAPI document generates', async () => {
    const committed = readFileSync(SCHEMA_FILE, 'utf8');
    const generated = await generateSchema();
    // A plain boolean first: a diff of two 75 KB strings would bury the instruction.
    expect(committed === generated, 'client/schema.d.ts is out of date with shared/http/openapi.ts: run `npm run client` and commit the result').toBe(true);
  });

  it('names every operation of the document, so the comparison above has something to compare', async () => {
    const generated = await generateSchema();
    const doc = openApiDocument() as { paths: Record<string, Record<string, { operationId: string }>> };
    for (const [path, item] of Object.entries(doc.paths)) {
      expect(generated).toContain(`${JSON.stringify(path)}: {`);
      for (const op of Object.values(item)) expect(generated).toContain(`${op.operationId}: {`);
    }
  });
});
