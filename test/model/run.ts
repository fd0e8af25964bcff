/**
 * One model run as a fast-check property, shared by the default test (model.test.ts) and the soak
 * (soak.ts): fresh tables, a generated start instant and command sequence, the commands run against
 * the real handlers with the model compared after each, then the usage stream settled, every event
 * relayed and every delivery made (event-commands.ts settleEvents, with the events and deliveries
 * checked), the full check, the tally (0 lost, 0 double-charged) and the reconciler.
 */
import * as fc from 'fast-check';
import type { TableNames } from '../../local/dynamo';
import { seedStandardPlan } from '../../shared/billing/plans';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { storeContext } from '../../shared/store/context';
import { checkFull, checkReconcile, expectThat, tally, type Tally } from './checks';
import { commandArbs, createProjectArb, settle, type Scale } from './commands';
import { markModel, type EventTally } from './event-checks';
import { createWebhookArb, putAlertsArb, settleEvents } from './event-commands';
import { FAULT_KINDS, type FaultKind } from './faults';
import { Model } from './model';
import { World } from './world';
import { checkStatements } from './statement-checks';

export const ZONE = 'Europe/Kyiv';

/**
 * Where a run's clock starts: around a DST change (2026-03-29, 2026-10-25), month and year ends, a
 * leap day, and an ordinary June day.
 */
export const STARTS = [
  '2026-03-27T09:00:00+02:00',
  '2026-04-29T10:00:00+03:00',
  '2026-10-24T09:00:00+03:00',
  '2026-12-30T11:00:00+02:00',
  '2028-02-27T12:00:00+02:00',
  '2026-06-14T08:00:00+03:00',
] as const;

/** Totals over the runs of this process (the soak prints them). */
export interface Totals extends Tally {
  runs: number;
  steps: number;
  faults: number;
  faultsByKind: Record<FaultKind, number>;
  /** The project-event side (event-checks.ts EventTally), summed. */
  projectEvents: EventTally;
}

export const totals: Totals = {
  runs: 0, steps: 0, faults: 0, events: 0, posted: 0, lost: 0, doubleDebited: 0, doubleChargedDays: 0, days: 0,
  faultsByKind: Object.fromEntries(FAULT_KINDS.map((k) => [k, 0])) as Record<FaultKind, number>,
  projectEvents: { events: 0, deliveries: 0, retried: 0, duplicates: 0, givenUp: 0, deadLettered: 0 },
};

/** `conflict-cancel 12, throttle 3, ...` */
export function faultBreakdown(): string {
  return FAULT_KINDS.map((k) => `${k} ${totals.faultsByKind[k]}`).join(', ');
}

/** `1234 events checked, 567 deliveries (89 retried, 12 duplicates deduped)` */
export function eventSummary(t: EventTally = totals.projectEvents): string {
  return `${t.events} events checked, ${t.deliveries} deliveries (${t.retried} retried, ${t.duplicates} duplicates deduped)`;
}

/** What the event side saw that is worth a line of its own when it happens; '' when none of it did. */
export function eventNotes(t: EventTally = totals.projectEvents): string {
  const notes = [
    t.givenUp > 0 ? `${t.givenUp} events given up after every attempt failed` : '',
    t.deadLettered > 0 ? `${t.deadLettered} delivery messages dead-lettered and redriven` : '',
  ].filter((x) => x !== '');
  return notes.join('; ');
}

export interface ModelRunOptions {
  scale: Scale;
  /** Fresh, empty tables for one run. */
  tables: () => Promise<{ endpoint: string; tables: TableNames }>;
  /** Called after each run that got as far as its tally. */
  onRun?: (tally: Tally & { faults: number; steps: number; projectEvents: EventTally }) => void;
}

export function runArbitrary(scale: Scale) {
  return fc.record({
    start: fc.constantFrom(...STARTS),
    startMinutes: fc.integer({ min: 0, max: 600 }),
    settleSeed: fc.integer({ min: 0, max: 0x7fffffff }),
    /**
     * A run starts with a project or two, so the commands that need one are not all skipped, a
     * webhook or two, so events have somewhere to go from the start, and maybe alert rules.
     */
    first: fc.tuple(fc.array(createProjectArb(scale), { minLength: 1, maxLength: 2 }), fc.array(createWebhookArb(scale), { minLength: 1, maxLength: 2 }), fc.array(putAlertsArb(scale), { maxLength: 1 }))
      .map(([projects, hooks, alerts]) => [...projects, ...hooks, ...alerts] as fc.AsyncCommand<Model, World>[]),
    commands: fc.commands(commandArbs(scale), { maxCommands: scale.maxCommands, size: 'medium' }),
  });
}

export function modelProperty(opts: ModelRunOptions) {
  return fc.asyncProperty(runArbitrary(opts.scale), async (run) => {
    const { endpoint, tables } = await opts.tables();
    const world = World.create(endpoint, tables, ZONE, Date.parse(run.start) + run.startMinutes * 60_000);
    world.fullCheckEvery = opts.scale.fullCheckEvery;
    const model = new Model(ZONE, DEFAULT_PLAN);
    try {
      // A new deployment's tables: the default plan, as the stack's seed writes it.
      await seedStandardPlan(storeContext({ doc: world.raw }), DEFAULT_PLAN.currency);
      await fc.asyncModelRun(() => ({ model, real: world }), run.first);
      await fc.asyncModelRun(() => ({ model, real: world }), run.commands);
      const mark = markModel(model);
      await settle(model, world, { seed: run.settleSeed, intensity: 1, budget: opts.scale.faultBudget });
      const t = await tally(model, world);
      // Deliveries move the clock (retries come due): the reconciler looks at the billing as it was.
      const settledAt = world.clock;
      const e = await settleEvents(model, world, mark, { seed: run.settleSeed ^ 0x5eed, intensity: 1, budget: opts.scale.faultBudget }, opts.scale);
      const faults = world.faults.total;
      totals.runs++;
      totals.steps += world.steps;
      totals.faults += faults;
      for (const k of FAULT_KINDS) totals.faultsByKind[k] += world.faults.counts[k];
      totals.events += t.events;
      totals.posted += t.posted;
      totals.lost += t.lost;
      totals.doubleDebited += t.doubleDebited;
      totals.doubleChargedDays += t.doubleChargedDays;
      totals.days += t.days;
      for (const k of Object.keys(e) as (keyof EventTally)[]) totals.projectEvents[k] += e[k];
      opts.onRun?.({ ...t, faults, steps: world.steps, projectEvents: e });
      expectThat(t.lost === 0 && t.doubleDebited === 0 && t.doubleChargedDays === 0, () => `tally: ${JSON.stringify(t)}`);
      await checkFull(model, world);
      await checkStatements(model, world);
      await checkReconcile(world, settledAt);
    } finally {
      await world.dispose();
    }
  });
}
