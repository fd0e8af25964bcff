/**
 * A project's alert rules (`GET`/`PUT /projects/{id}/alerts`) and the one alert not decided inside a
 * move of the balance: runway.low, decided after a night's charge on the forecast. balance.low and
 * spend_cap.reached are decided in the transactions that move the balance (payments.ts,
 * debit-usage.ts, charge-through.ts), from the state before and after the move.
 */
import { normalizeRules, runwayDecision, type AlertRules, type AlertRulesInput } from '../domain/events';
import { optimisticCommit } from '../store/commit';
import { nowIso, todayOf, type StoreContext } from '../store/context';
import { eventWrites } from '../store/events';
import { alertRulesOf, alertRulesUpdate, alertStateUpdate, getProjectItem, type ProjectItem } from '../store/projects';
import { forecastFor } from './project-views';

export async function alertRules(ctx: StoreContext, projectId: string): Promise<AlertRules> {
  return alertRulesOf(await getProjectItem(ctx, projectId));
}

/**
 * Replaces the rules. The project's version moves with them, so a move of the balance decided on the
 * old rules is decided again on the new ones: a crossing is judged by the rules it commits with.
 */
export async function putAlertRules(ctx: StoreContext, projectId: string, input: AlertRulesInput): Promise<AlertRules> {
  const rules = normalizeRules(input);
  return optimisticCommit(ctx.doc, `alert rules of ${projectId}`, async () => {
    const project = await getProjectItem(ctx, projectId);
    // A runway already reported stays reported under new rules until the runway is long again.
    return { items: [alertRulesUpdate(ctx, project, rules)], result: rules };
  });
}

/**
 * runway.low for the forecast as it stands now (after a night's charge): fires once when the balance
 * runs out within `runwayDays`, re-arms when it no longer does. Decided on the project version read,
 * written conditioned on it, so two evaluations at once fire it once. `known`: the project as just read.
 */
export async function evaluateRunway(ctx: StoreContext, projectId: string, known?: ProjectItem): Promise<void> {
  await optimisticCommit(ctx.doc, `runway of ${projectId}`, async ({ round }) => {
    // The night's last read of the project answers the first round: most projects have no runway rule.
    const project = round === 0 && known ? known : await getProjectItem(ctx, projectId);
    const rules = alertRulesOf(project);
    const state = project.alertState ?? {};
    if (rules.runwayDays === null && !state.runwayLow) return { done: undefined };
    const forecast = await forecastFor(ctx, project);
    const decision = runwayDecision(rules, state, forecast, todayOf(ctx), project.version + 1);
    if (decision.low === (state.runwayLow ?? false)) return { done: undefined };
    const events = eventWrites(ctx, project, decision.draft ? [decision.draft] : [], nowIso(ctx));
    return {
      items: [alertStateUpdate(ctx, project, { ...state, runwayLow: decision.low }, events), ...events.puts],
      result: undefined,
    };
  });
}
