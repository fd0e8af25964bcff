/**
 * local/durable-transactions.ts: on a data directory, a transaction the twin has seen answered survives
 * DynamoDB Local being killed right after the answer. Without the fence the emulator loses that last
 * transaction (the module comment gives the reproduction); with it, nothing acknowledged is lost.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BatchGetCommand, DynamoDBDocumentClient, TransactWriteCommand } from '@aws-sdk/lib-dynamodb';
import { afterAll, describe, expect, it } from 'vitest';
import { createTables, localClient, startDynamoLocal, type TableNames } from '../../local/dynamo';
import { fenceTransactions } from '../../local/durable-transactions';
import { keys } from '../../shared/store/keys';

const dirs: string[] = [];
afterAll(() => { for (const d of dirs) rmSync(d, { recursive: true, force: true }); });

/** 8 writers of 20-item transactions; DynamoDB Local is SIGKILLed as the `killAt`-th item is acknowledged. */
async function killRightAfterAnAnswer(run: number, killAt: number): Promise<{ acknowledged: string[]; missing: string[] }> {
  const dir = mkdtempSync(join(tmpdir(), 'paygo-durable-'));
  dirs.push(dir);
  const first = await startDynamoLocal({ dataDir: dir });
  const tables = await createTables(first.endpoint, 'durable');
  const doc = DynamoDBDocumentClient.from(localClient(first.endpoint));
  fenceTransactions(doc, tables);
  const acknowledged: string[] = [];
  let killed = false;
  await Promise.all(Array.from({ length: 8 }, async (_, w) => {
    for (let k = 0; !killed; k++) {
      const ids = Array.from({ length: 20 }, (_, i) => `r${run}-w${w}-k${k}-${i}`);
      try {
        await doc.send(new TransactWriteCommand({
          TransactItems: ids.map((id) => ({ Put: { TableName: tables.USAGE_TABLE, Item: { ...keys.usage(id), eventId: id, projectId: 'p', projectDay: 'p#d', timeKey: `t#${id}` }, ConditionExpression: 'attribute_not_exists(pk)' } })),
        }));
      } catch {
        continue; // the emulator is gone: the outcome of this one is unknown, so it is not counted
      }
      if (killed) return;
      acknowledged.push(...ids);
      if (acknowledged.length >= killAt) { killed = true; first.killNow(); }
    }
  }));
  doc.destroy();
  const again = await startDynamoLocal({ dataDir: dir });
  try {
    return { acknowledged, missing: await missingOf(again.endpoint, tables, acknowledged) };
  } finally {
    await again.stop();
  }
}

async function missingOf(endpoint: string, tables: TableNames, ids: readonly string[]): Promise<string[]> {
  const doc = DynamoDBDocumentClient.from(localClient(endpoint));
  const found = new Set<string>();
  for (let i = 0; i < ids.length; i += 100) {
    const page = await doc.send(new BatchGetCommand({ RequestItems: { [tables.USAGE_TABLE]: { Keys: ids.slice(i, i + 100).map((id) => keys.usage(id)), ConsistentRead: true } } }));
    for (const item of page.Responses?.[tables.USAGE_TABLE] ?? []) found.add(String(item.eventId));
  }
  doc.destroy();
  return ids.filter((id) => !found.has(id));
}

describe('transactions on a data directory', () => {
  it('keeps every transaction whose answer was received, killed a moment after an answer', async () => {
    for (const run of [1, 2]) {
      const { acknowledged, missing } = await killRightAfterAnAnswer(run, 200);
      expect(acknowledged.length).toBeGreaterThanOrEqual(200);
      expect(missing).toEqual([]);
    }
  }, 120_000);
});
