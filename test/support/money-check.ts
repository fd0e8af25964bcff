/**
 * The invariants of docs/api.md checked straight from the tables: a project's balance is its payments minus
 * the costs of its debited events, every event is debited, and the open-day telecom totals add up to
 * exactly those costs, one count per event (an event debited twice would be counted twice).
 */
import { withDebitMarks } from './marks';
import { QueryCommand, ScanCommand, type DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { TableNames } from '../../local/dynamo';
import { keys } from '../../shared/store/keys';
import type { UsageItem } from '../../shared/store/usage';
import { type ProjectItem } from '../../shared/store/projects';

export interface MoneyState {
  balance: number;
  version: number;
  status: string;
  events: number;
  undebited: number;
  costs: number;
  telecomTotal: number;
  telecomEvents: number;
}

async function all<T>(doc: DynamoDBDocumentClient, make: (start?: Record<string, unknown>) => QueryCommand | ScanCommand): Promise<T[]> {
  const out: T[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const r = await doc.send(make(start) as QueryCommand);
    out.push(...((r.Items ?? []) as T[]));
    start = r.LastEvaluatedKey;
  } while (start);
  return out;
}

export async function moneyState(doc: DynamoDBDocumentClient, tables: TableNames, projectId: string): Promise<MoneyState> {
  const projectItems = await all<Record<string, unknown>>(doc, (start) => new QueryCommand({
    TableName: tables.PROJECTS_TABLE, KeyConditionExpression: 'pk = :pk', ExpressionAttributeValues: { ':pk': keys.project(projectId).pk }, ConsistentRead: true,
    ...(start ? { ExclusiveStartKey: start } : {}),
  }));
  const project = projectItems.find((i) => i.sk === 'project') as ProjectItem | undefined;
  if (!project) throw new Error(`no project ${projectId}`);
  const telecom = projectItems.filter((i) => String(i.sk).startsWith(keys.telecomPrefix)) as unknown as { total: number; events: number }[];
  const usage = await withDebitMarks(doc, tables.LEDGER_TABLE, await all<UsageItem>(doc, (start) => new ScanCommand({
    TableName: tables.USAGE_TABLE, FilterExpression: 'projectId = :p', ExpressionAttributeValues: { ':p': projectId }, ConsistentRead: true,
    ...(start ? { ExclusiveStartKey: start } : {}),
  })));
  return {
    balance: project.balance,
    version: project.version,
    status: project.status,
    events: usage.length,
    undebited: usage.filter((u) => !u.debitedAt).length,
    // What the debits took: the cost, or less where the balance could not hold it (the mark says).
    costs: usage.reduce((s, u) => s + (u.debited ?? u.cost), 0),
    telecomTotal: telecom.reduce((s, t) => s + t.total, 0),
    telecomEvents: telecom.reduce((s, t) => s + t.events, 0),
  };
}
