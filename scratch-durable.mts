import { startDynamoLocal, localClient, createTables } from './local/dynamo';
import { DynamoDBDocumentClient, TransactWriteCommand, PutCommand, BatchGetCommand, GetCommand } from '@aws-sdk/lib-dynamodb';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
const MODE = process.env.MODE ?? 'tx';
const dir = mkdtempSync(join(tmpdir(), 'durable-'));
let lostTotal = 0, ackTotal = 0;
for (let run = 0; run < Number(process.env.RUNS ?? 4); run++) {
  let d = await startDynamoLocal({ dataDir: dir });
  const names = await createTables(d.endpoint, 'dur');
  const table = names.USAGE_TABLE;
  let doc = DynamoDBDocumentClient.from(localClient(d.endpoint));
  const acked: string[] = [];
  let stop = false;
  let ackedAtKillNow = -1;
  const item = (id: string) => ({ pk: `usage#${id}`, eventId: id, projectId: 'p', projectDay: 'p#d', timeKey: `t#${id}`, cost: 1 });
  const workers = Array.from({ length: 8 }, async (_, w) => {
    for (let k = 0; !stop; k++) {
      const ids = Array.from({ length: 20 }, (_, i) => `r${run}-w${w}-k${k}-${i}`);
      try {
        if (MODE === 'tx') {
          await doc.send(new TransactWriteCommand({ TransactItems: ids.map((id) => ({ Put: { TableName: table, Item: item(id), ConditionExpression: 'attribute_not_exists(pk)' } })) }));
          if (process.env.FENCE === 'get') await doc.send(new GetCommand({ TableName: table, Key: { pk: `usage#${ids[0]}` }, ConsistentRead: true }));
          if (process.env.FENCE === 'put') await doc.send(new PutCommand({ TableName: names.LEDGER_TABLE, Item: { pk: 'fence', sk: 'fence', at: Date.now() } }));
          if (process.env.FENCE === 'sleep') await new Promise((r) => setTimeout(r, Number(process.env.SLEEP ?? 50)));
        }
        else await Promise.all(ids.map((id) => doc.send(new PutCommand({ TableName: table, Item: item(id), ConditionExpression: 'attribute_not_exists(pk)' }))));
        if (!stop) { acked.push(...ids); if (process.env.KILL_AT && acked.length >= Number(process.env.KILL_AT) && !stop) { d.killNow(); stop = true; ackedAtKillNow = acked.length; } }
      } catch { /* killed */ }
    }
  });
  const reading = (async () => {
    if (!process.env.READ) return;
    const { StreamReader } = await import('./test/support/stream');
    const reader = new StreamReader(d.endpoint, table);
    while (!stop) { try { await reader.read(); } catch { break; } await new Promise((r) => setTimeout(r, 50)); }
  })();
  const debiting = (async () => {
    if (!process.env.DEBIT) return;
    for (let k = 0; !stop; k++) {
      try { await doc.send(new TransactWriteCommand({ TransactItems: [
        ...Array.from({ length: 20 }, (_, i) => ({ Put: { TableName: names.LEDGER_TABLE, Item: { pk: `debit#${run}-${k}-${i}`, sk: 'debit' }, ConditionExpression: 'attribute_not_exists(pk)' } })),
        { Update: { TableName: names.PROJECTS_TABLE, Key: { pk: 'project#p', sk: 'project' }, UpdateExpression: 'ADD balance :d, version :one', ExpressionAttributeValues: { ':d': -1, ':one': 1 } } },
      ] })); } catch { /* */ }
    }
  })();
  if (process.env.KILL_AT) { while (!stop) await new Promise((r) => setTimeout(r, 10)); }
  else await new Promise((r) => setTimeout(r, 2500 + Math.random() * 1500));
  const ackedAtKill = ackedAtKillNow >= 0 ? ackedAtKillNow : acked.length;
  d.killNow(); stop = true;
  await Promise.allSettled([...workers, reading, debiting]);
  const sure = acked.slice(0, ackedAtKill);
  await new Promise((r) => setTimeout(r, 500));
  d = await startDynamoLocal({ dataDir: dir });
  doc = DynamoDBDocumentClient.from(localClient(d.endpoint));
  let found = 0;
  for (let i = 0; i < sure.length; i += 100) {
    const r = await doc.send(new BatchGetCommand({ RequestItems: { [table]: { Keys: sure.slice(i, i + 100).map((id) => ({ pk: `usage#${id}` })), ConsistentRead: true } } }));
    found += r.Responses?.[table]?.length ?? 0;
    if (r.UnprocessedKeys && Object.keys(r.UnprocessedKeys).length) throw new Error('unprocessed');
  }
  console.log(`${MODE} run ${run}: ${sure.length} acknowledged before the kill, ${sure.length - found} missing after restart`);
  lostTotal += sure.length - found; ackTotal += sure.length;
  await d.stop();
}
console.log(`${MODE}: lost ${lostTotal} of ${ackTotal}`);
process.exit(0);
