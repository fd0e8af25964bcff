/**
 * What every model-test command shares: the step (tick the clock, open the step's faults, act, close
 * them, compare with the model, then observe and check the project events the step wrote), the
 * helpers that judge an HTTP answer, and the arbitraries of a step's faults and tick.
 */
import * as fc from 'fast-check';
import { checkFull, checkProjects, expectThat } from './checks';
import type { Scale } from './commands';
import { markModel, observeEvents } from './event-checks';
import type { StepFaults } from './faults';
import type { Model } from './model';
import type { HttpResult, World } from './world';

export function statusIn(r: HttpResult, allowed: number[], what: string): void {
  expectThat(allowed.includes(r.answer.status), () => `${what}: status ${r.answer.status} (expected ${allowed.join(' or ')}${r.ambiguous ? ', ambiguous' : ''}): ${JSON.stringify(r.answer.body)}`);
}

export function codeIs(r: HttpResult, code: string, what: string): void {
  expectThat(r.answer.body?.error?.code === code, () => `${what}: error code ${String(r.answer.body?.error?.code)}, expected ${code}`);
}

/** Base: tick the clock, open the step's faults, act, close them, compare, check the step's events. */
export abstract class Step implements fc.AsyncCommand<Model, World> {
  constructor(readonly faults: StepFaults, readonly tickSec: number) {}

  abstract check(m: Readonly<Model>): boolean;
  protected abstract act(m: Model, w: World): Promise<void>;
  protected abstract describe(): string;

  /**
   * False for a step that cannot touch the ledger, usage or balances (alert rules, webhooks, the
   * relay, deliveries): it ends with the project check only, the full one being for the others.
   */
  get movesMoney(): boolean {
    return true;
  }

  /** True for a step that replaces alert rules (it moves no balance and writes no event). */
  get setsRules(): boolean {
    return false;
  }

  /**
   * True when the step may evaluate a project's runway more than once while its balance or
   * timeline moves between the evaluations (runway.low may then re-arm and fire within the step).
   */
  get runwaySwing(): boolean {
    return false;
  }

  async run(m: Model, w: World): Promise<void> {
    w.clock += this.tickSec * 1000;
    w.beginStep();
    w.faults.beginStep(this.faults);
    const mark = markModel(m);
    try {
      await this.act(m, w);
    } finally {
      w.faults.endStep();
    }
    applyInterleaved(m, w);
    w.steps++;
    if (this.movesMoney && w.steps % w.fullCheckEvery === 0) await checkFull(m, w);
    else await checkProjects(m, w);
    await observeEvents(m, w, mark, { what: this.toString(), setsRules: this.setsRules, runwaySwing: this.runwaySwing });
  }

  toString(): string {
    const f = this.faults.intensity > 0 ? ` faults(seed=${this.faults.seed},x${this.faults.intensity})` : '';
    return `${this.describe()} +${this.tickSec}s${f}`;
  }
}

export const hasProject = (m: Readonly<Model>) => m.projects.length > 0;

/** Payments the fault injector committed in the middle of other writes: the model adds them too. */
export function applyInterleaved(m: Model, w: World): void {
  for (const pay of w.faults.takeInterleaved()) {
    const p = m.projects.find((x) => x.projectId === pay.projectId);
    expectThat(p !== undefined, `an interleaved payment went to unknown project ${pay.projectId}`);
    m.addPayment(p!, { paymentId: pay.paymentId, projectIdx: p!.idx, amount: pay.amount, balanceAfter: pay.balanceAfter, date: pay.date });
  }
}

export const faultsArb = (scale: Scale): fc.Arbitrary<StepFaults> => fc.record({
  seed: fc.integer({ min: 0, max: 0x7fffffff }),
  intensity: fc.constantFrom(0, 1, 1, 1, 2, 3),
  budget: fc.integer({ min: 1, max: scale.faultBudget }),
});

export const tick = fc.integer({ min: 1, max: 900 });

/** A step that moves no money (alert rules, webhooks, the relay, deliveries); runs whenever chosen unless it says otherwise. */
export abstract class MoneylessStep extends Step {
  override get movesMoney(): boolean {
    return false;
  }

  check(_m: Readonly<Model>): boolean {
    return true;
  }
}
