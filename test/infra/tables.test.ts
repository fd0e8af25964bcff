import { describe, expect, it } from 'vitest';
import { TABLES, type TableDefinition, type TableKey } from '../../shared/tables';
import { synthPaygo } from './template';

const { stack, template, logicalId } = synthPaygo();
const tableResource = (key: TableKey) => {
  const id = logicalId(stack.tables.get(key).table);
  const resource = template.toJSON().Resources[id];
  expect(resource?.Type).toBe('AWS::DynamoDB::Table');
  return resource;
};

describe('tables match the shared definitions (shared/tables.ts)', () => {
  it('creates exactly the declared tables', () => {
    template.resourceCountIs('AWS::DynamoDB::Table', Object.keys(TABLES).length);
  });

  for (const key of Object.keys(TABLES) as TableKey[]) {
    const def: TableDefinition = TABLES[key];
    describe(def.id, () => {
      it('has the declared key schema, attribute types and GSIs', () => {
        const props = tableResource(key).Properties;
        const keySchema = [{ AttributeName: def.partitionKey.name, KeyType: 'HASH' }];
        if (def.sortKey) keySchema.push({ AttributeName: def.sortKey.name, KeyType: 'RANGE' });
        expect(props.KeySchema).toEqual(keySchema);

        const declaredAttrs = [def.partitionKey, ...(def.sortKey ? [def.sortKey] : []),
          ...def.globalSecondaryIndexes.flatMap((g) => [g.partitionKey, ...(g.sortKey ? [g.sortKey] : [])])];
        const expectedAttrs = new Map(declaredAttrs.map((a) => [a.name, a.type]));
        expect(new Map(props.AttributeDefinitions.map((a: { AttributeName: string; AttributeType: string }) => [a.AttributeName, a.AttributeType])))
          .toEqual(expectedAttrs);

        const gsis = (props.GlobalSecondaryIndexes ?? []).map((g: { IndexName: string; KeySchema: unknown; Projection: unknown }) => ({
          IndexName: g.IndexName, KeySchema: g.KeySchema, Projection: g.Projection,
        }));
        expect(gsis).toEqual(def.globalSecondaryIndexes.map((g) => ({
          IndexName: g.indexName,
          KeySchema: [
            { AttributeName: g.partitionKey.name, KeyType: 'HASH' },
            ...(g.sortKey ? [{ AttributeName: g.sortKey.name, KeyType: 'RANGE' }] : []),
          ],
          Projection: { ProjectionType: 'ALL' },
        })));
      });

      it('is on-demand, point-in-time recoverable, deletion-protected and retained', () => {
        const resource = tableResource(key);
        expect(resource.Properties.BillingMode).toBe('PAY_PER_REQUEST');
        expect(resource.Properties.PointInTimeRecoverySpecification).toEqual({ PointInTimeRecoveryEnabled: true });
        expect(resource.Properties.DeletionProtectionEnabled).toBe(true);
        expect(resource.DeletionPolicy).toBe('Retain');
        expect(resource.UpdateReplacePolicy).toBe('Retain');
      });

      it(def.stream ? `streams ${def.stream}` : 'has no stream', () => {
        const spec = tableResource(key).Properties.StreamSpecification;
        expect(spec).toEqual(def.stream ? { StreamViewType: def.stream } : undefined);
      });
    });
  }

  it('gives the Usage table a NEW_IMAGE stream (the real-time debit reads it)', () => {
    expect(tableResource('usage').Properties.StreamSpecification).toEqual({ StreamViewType: 'NEW_IMAGE' });
  });
});

describe('outputs an operator needs', () => {
  it('names the Projects table, where npm run admin-key writes the first admin key', () => {
    const outputs = template.toJSON().Outputs as Record<string, { Value: unknown }>;
    const out = Object.entries(outputs).find(([id]) => id.startsWith('ProjectsTableName'));
    expect(out?.[1].Value).toEqual({ Ref: logicalId(stack.tables.projects.table) });
  });
});
