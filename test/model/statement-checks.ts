/**
 * The model test's statements (docs/api.md "Statements"), checked at the end of a run: every month of
 * a project whose last day the model closed has exactly one statement and one `statement.ready`
 * (with its closing balance), and no other month has either; each statement opens with the closing
 * of the one before (0 for the first), moves by exactly the amounts of the ledger entries dated in
 * it, and its telecom is what the model debited on the month's closed days. Every figure equals the
 * statement the ledger gives (statementOf reads the month's entries, telecom counters and draws): the
 * month's sums, which every money transaction books, lost nothing and counted nothing twice.
 */
import { isDeepStrictEqual } from 'node:util';
import { QueryCommand } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../../shared/domain/billing-days';
import { lastDayOf, monthOf, nextMonth, Statement } from '../../shared/domain/statement';
import { keys } from '../../shared/store/keys';
import { statementOf } from '../../shared/billing/statements';
import { statementOfItem } from '../../shared/store/statements';
import { getProjectItem } from '../../shared/store/projects';
import { storeContext } from '../../shared/store/context';
import { eventsOf, ModelMismatch } from './checks';
import type { Model, ProjectModel } from './model';
import type { World } from './world';

/** The months the model has closed for `p`: from its first billing month to the last whose last day is closed. */
function closedMonths(p: ProjectModel): string[] {
  const out: string[] = [];
  for (let m = monthOf(p.billingStartDate); lastDayOf(m) <= p.chargedThrough; m = nextMonth(m)) out.push(m);
  return out;
}

async function statementsOf(w: World, projectId: string): Promise<Statement[]> {
  const out = await w.raw.send(new QueryCommand({
    TableName: w.tables.PROJECTS_TABLE,
    KeyConditionExpression: 'pk = :pk AND begins_with(sk, :prefix)',
    ExpressionAttributeValues: { ':pk': keys.project(projectId).pk, ':prefix': keys.statementPrefix },
    ConsistentRead: true,
  }));
  return (out.Items ?? []).map(statementOfItem);
}

/** Statements checked over the runs of this process (model.test.ts prints it: the check is not vacuous). */
export const statementTally = { statements: 0 };

export async function checkStatements(m: Model, w: World): Promise<number> {
  const problems: string[] = [];
  let made = 0;
  for (const p of m.projects) {
    const months = closedMonths(p);
    const statements = await statementsOf(w, p.projectId);
    made += statements.length;
    const got = statements.map((s) => s.month);
    if (got.join() !== months.join()) problems.push(`project ${p.idx}: statements of [${got.join(', ')}], the model closed [${months.join(', ')}]`);
    const ready = (await eventsOf(w, p.projectId)).filter((e) => e.type === 'statement.ready').map((e) => e.data as { month: string; closingBalance: number });
    if (ready.map((r) => r.month).join() !== got.join()) problems.push(`project ${p.idx}: statement.ready for [${ready.map((r) => r.month).join(', ')}], statements of [${got.join(', ')}]`);
    const ledger = m.expectedLedger(p);
    const telecom = m.telecomByDay(p);
    let opening = 0;
    for (const [i, s] of statements.entries()) {
      // The first statement also holds what was booked before billingStartDate (a payment made ahead of it).
      const inMonth = (d: BillingDay) => (i === 0 || d >= s.from) && d <= s.to;
      const moved = ledger.filter((e) => inMonth(e.date)).reduce((a, e) => a + e.amount, 0);
      const telecomCost = [...telecom].filter(([d]) => inMonth(d)).reduce((a, [, t]) => a + t.total, 0);
      const events = [...telecom].filter(([d]) => inMonth(d)).reduce((a, [, t]) => a + t.events, 0);
      const kinds = s.charges.telecom;
      if (s.openingBalance !== opening) problems.push(`project ${p.idx} ${s.month}: opens with ${s.openingBalance}, the month before closed with ${opening}`);
      if (s.closingBalance - s.openingBalance !== moved) problems.push(`project ${p.idx} ${s.month}: moves by ${s.closingBalance - s.openingBalance}, its ledger by ${moved}`);
      if (kinds.reduce((a, t) => a + t.amount, 0) !== telecomCost) problems.push(`project ${p.idx} ${s.month}: telecom ${kinds.reduce((a, t) => a + t.amount, 0)}, the model debited ${telecomCost}`);
      if (kinds.reduce((a, t) => a + t.count, 0) !== events) problems.push(`project ${p.idx} ${s.month}: ${kinds.reduce((a, t) => a + t.count, 0)} telecom events, the model counted ${events}`);
      const r = ready.find((x) => x.month === s.month);
      if (r && r.closingBalance !== s.closingBalance) problems.push(`project ${p.idx} ${s.month}: statement.ready says ${r.closingBalance}, the statement ${s.closingBalance}`);
      const item = await getProjectItem(storeContext({ doc: w.raw }), p.projectId);
      const previous = i === 0 ? null : statements[i - 1]!;
      // As a project keeping no sums would have it stated: from the ledger, its first month from the beginning.
      const fromLedger = await statementOf(storeContext({ doc: w.raw }), { ...item, statementsThrough: previous?.month, sumsKept: undefined }, s.month, previous);
      if (!isDeepStrictEqual(fromLedger, s)) problems.push(`project ${p.idx} ${s.month}: the statement is ${JSON.stringify(s)}, its ledger gives ${JSON.stringify(fromLedger)}`);
      opening = s.closingBalance;
    }
  }
  if (problems.length > 0) throw new ModelMismatch(problems);
  statementTally.statements += made;
  return made;
}
