/**
 * The scheduled reconciler: one ReconcileMismatch event per bad project, the ReconcileMismatches
 * metric with the count, the summary as its result.
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest';
import { handler, reconcile } from '../../functions/billing/reconcile';
import { setRuntime } from '../../shared/runtime';
import { useTables } from '../support/dynamo';
import { Fixture, NOW, tablesOf } from './fixtures';
import { type BusEvent } from '../../shared/runtime';

let published: BusEvent[][] = [];

beforeAll(async () => {
  const t = await useTables();
  const fx = new Fixture(t.doc, tablesOf(t.tables));
  await fx.consistent('a-good');
  await fx.consistent('b-balance', { balance: 9700 }); // records give 9728
  await fx.consistent('c-telecom');
  await fx.entry('c-telecom', { entryId: 'telecom#2025-03-02', date: '2025-03-02', type: 'telecom_daily', amount: -2, balanceEffect: false }); // events: -20
  setRuntime({ now: () => NOW, events: { publish: async (events) => { published.push(events); } } });
});

afterEach(() => {
  published = [];
  vi.restoreAllMocks();
});

/** The EMF documents Powertools Metrics printed while `run` ran. */
async function emfOf(run: () => Promise<unknown>): Promise<Record<string, unknown>[]> {
  const lines: string[] = [];
  const write = process.stdout.write.bind(process.stdout);
  vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array, ...rest: unknown[]) => {
    lines.push(String(chunk));
    return write(chunk, ...(rest as [])) as boolean;
  });
  await run();
  return lines.flatMap((l) => l.split('\n')).filter((l) => l.includes('"_aws"')).map((l) => JSON.parse(l) as Record<string, unknown>);
}

describe('reconcile handler', () => {
  it('publishes one event per mismatched project and counts the mismatches', async () => {
    let summary: Awaited<ReturnType<typeof handler>> | undefined;
    const emf = await emfOf(async () => { summary = await handler(); });
    expect(summary).toMatchObject({ projects: 3, mismatchedProjects: 2, mismatches: 2, unsettled: 0 });
    expect(published).toHaveLength(1);
    const events = published[0]!;
    expect(events.map((e) => [e.type, e.detail.projectId, e.type === 'ReconcileMismatch' ? e.detail.kinds : undefined])).toEqual([
      ['ReconcileMismatch', 'b-balance', ['balance']],
      ['ReconcileMismatch', 'c-telecom', ['telecom']],
    ]);
    const metric = emf.find((d) => 'ReconcileMismatches' in d);
    expect(metric).toMatchObject({ ReconcileMismatches: 2, ReconcileMismatchedProjects: 2, ReconciledProjects: 3 });
    expect(JSON.stringify((metric!._aws as { CloudWatchMetrics: unknown }).CloudWatchMetrics)).toContain('"Namespace":"paygo"');
  });

  it('checks one project when asked, and publishes nothing when it is fine', async () => {
    expect(await handler({ projectId: 'a-good' })).toMatchObject({ projects: 1, mismatches: 0, reports: [] });
    expect(published).toEqual([]);
    const bad = await reconcile({ projectId: 'b-balance' });
    expect(bad.reports[0]!.mismatches[0]).toMatchObject({ kind: 'balance', expected: 9728, actual: 9700 });
    expect(published.flat().map((e) => e.detail.projectId)).toEqual(['b-balance']);
  });

  it('still reports the count when publishing fails', async () => {
    setRuntime({ events: { publish: async () => { throw new Error('bus down'); } } });
    try {
      const emf = await emfOf(() => handler());
      expect(emf.find((d) => 'ReconcileMismatches' in d)).toMatchObject({ ReconcileMismatches: 2 });
    } finally {
      setRuntime({ events: { publish: async (events) => { published.push(events); } } });
    }
  });
});
