/**
 * Whole-table snapshots of every table (a consistent Scan of everything, nothing excluded), and
 * a readable diff, so "a request that fails changes nothing" is checked item by item.
 */
import { ScanCommand } from '@aws-sdk/lib-dynamodb';
import { storeContext } from '../../shared/store/context';

/** Table → item key (pk|sk) → the item as canonical JSON. */
export type Snapshot = Record<'projects' | 'ledger' | 'usage' | 'plans' | 'events' | 'webhooks', Map<string, string>>;

/** JSON with object keys sorted, so two reads of the same item compare equal. */
export function canonical(value: unknown): string {
  return JSON.stringify(value, (_k, v: unknown) => {
    if (v && typeof v === 'object' && !Array.isArray(v) && !(v instanceof Set)) {
      return Object.fromEntries(Object.entries(v as Record<string, unknown>).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)));
    }
    return v instanceof Set ? [...v].sort() : v;
  });
}

async function scanAll(table: string): Promise<Record<string, unknown>[]> {
  const ctx = storeContext();
  const items: Record<string, unknown>[] = [];
  let start: Record<string, unknown> | undefined;
  do {
    const page = await ctx.doc.send(new ScanCommand({ TableName: table, ConsistentRead: true, ...(start ? { ExclusiveStartKey: start } : {}) }));
    items.push(...((page.Items ?? []) as Record<string, unknown>[]));
    start = page.LastEvaluatedKey;
  } while (start);
  return items;
}

/** Every item of every table, right now. */
export async function snapshotTables(): Promise<Snapshot> {
  const { tables } = storeContext();
  const [projects, ledger, usage, plans, events, webhooks] = await Promise.all(
    [tables.projects, tables.ledger, tables.usage, tables.plans, tables.events, tables.webhooks].map(scanAll),
  );
  const index = (items: Record<string, unknown>[]) => new Map(items.map((i) => [`${String(i.pk)}|${String(i.sk ?? i.sequence ?? '')}`, canonical(i)]));
  return { projects: index(projects!), ledger: index(ledger!), usage: index(usage!), plans: index(plans!), events: index(events!), webhooks: index(webhooks!) };
}

/** Every item of every table, as plain objects (for content checks such as "no clear key"). */
export async function allItems(): Promise<Record<string, unknown>[]> {
  const { tables } = storeContext();
  return (await Promise.all([tables.projects, tables.ledger, tables.usage, tables.events, tables.webhooks].map(scanAll))).flat();
}

/** What differs between two snapshots: `+ table key`, `- table key`, `~ table key`; [] when equal. */
export function diffSnapshots(before: Snapshot, after: Snapshot): string[] {
  const out: string[] = [];
  for (const table of ['projects', 'ledger', 'usage', 'plans', 'events', 'webhooks'] as const) {
    const a = before[table];
    const b = after[table];
    for (const [k, v] of b) {
      if (!a.has(k)) out.push(`+ ${table} ${k.slice(0, 120)}`);
      else if (a.get(k) !== v) out.push(`~ ${table} ${k.slice(0, 120)}: ${a.get(k)!.slice(0, 300)} -> ${v.slice(0, 300)}`);
    }
    for (const k of a.keys()) if (!b.has(k)) out.push(`- ${table} ${k.slice(0, 120)}`);
  }
  return out;
}
