/**
 * The charge queue's consumer: each message `{projectId, date}` charges the project up to `date`
 * (shared/billing/charge-through.ts). Partial batch responses: a message that fails is reported in
 * `batchItemFailures` and comes back after the visibility timeout (then the DLQ); the others are
 * done. Repeats and duplicates are harmless: a charged day is never charged again.
 *
 * Messages of one project in a batch are merged (the latest date), so the project is charged once
 * rather than by several racing calls; projects are charged a few at a time.
 *
 * Each project's outcome is recorded for the run of each date its messages named (charged, or the
 * last error), the batch's marks written together at its end: `GET /admin/billing-runs/{date}` reads them.
 */
import type { SQSBatchResponse, SQSEvent } from 'aws-lambda';
import { chargeThrough } from '../../shared/billing/charge-through';
import { closeMonths } from '../../shared/billing/statements';
import { DomainError, NotFound } from '../../shared/domain/errors';
import { ChargeMessage, parseMessage } from '../../shared/domain/messages';
import { lastDayOf, monthOf } from '../../shared/domain/statement';
import { logger } from '../../shared/logger';
import { metrics, MetricUnit, observed } from '../../shared/observability';
import { recordRunMarks, type RunMark } from '../../shared/billing/billing-runs';
import { storeContext } from '../../shared/composition/workers';

/** Projects charged at once: each is a chain of dependent reads and one transaction per day. */
const CONCURRENCY = 4;

/**
 * Writes the batch's run marks together once its projects are done (a few requests, not one put per
 * project and date); marks that cannot be written are logged, never fail a charge (the money moved;
 * the run report then shows the projects pending until a repeat marks them).
 */
async function writeRunMarks(ctx: ReturnType<typeof storeContext>, marks: RunMark[]): Promise<void> {
  if (marks.length === 0) return;
  try {
    await recordRunMarks(ctx, marks);
  } catch (e) {
    logger.warn('billing run marks not written', { marks: marks.length, dates: [...new Set(marks.map((m) => m.date))], error: e instanceof Error ? e.message : String(e) });
  }
}

/** Charges a batch of charge messages (the undecorated `handler`). */
export async function chargeBatch(event: SQSEvent): Promise<SQSBatchResponse> {
  const ctx = storeContext();
  const failed: string[] = [];
  const byProject = new Map<string, { date: string; dates: Set<string>; messageIds: string[] }>();
  for (const record of event.Records) {
    const m = parseMessage(ChargeMessage, record.body);
    if (!m) {
      // Malformed: retrying cannot fix it, but failing it sends it to the DLQ, where an alarm sees it.
      logger.error('malformed charge message', { messageId: record.messageId });
      failed.push(record.messageId);
      continue;
    }
    const group = byProject.get(m.projectId);
    if (!group) byProject.set(m.projectId, { date: m.date, dates: new Set([m.date]), messageIds: [record.messageId] });
    else {
      group.messageIds.push(record.messageId);
      group.dates.add(m.date);
      if (m.date > group.date) group.date = m.date;
    }
  }

  const marks: RunMark[] = [];
  const work = [...byProject];
  const worker = async (): Promise<void> => {
    for (let next = work.shift(); next; next = work.shift()) {
      const [projectId, { date, dates, messageIds }] = next;
      try {
        let through: string;
        let days = 0;
        try {
          const result = await chargeThrough(ctx, projectId, date);
          through = result.chargedThrough;
          days = result.days.length;
          if (days > 0) logger.info('charged', { projectId, through, days });
          metrics.addMetric('DaysCharged', MetricUnit.Count, days);
          // The charge of a month's last day made its statement in the same transaction. When it could
          // not (a grant expired with that day, or months behind) the month is closed now; a repeat or a
          // redelivery charges nothing and looks too (a statement a crash left unmade is made then).
          // An ordinary night reads nothing more.
          const closedLastDay = result.days.some((d) => d.date === lastDayOf(monthOf(d.date)));
          const later = days === 0 || (closedLastDay && result.monthDue) ? await closeMonths(ctx, projectId) : [];
          const statements = [...result.statements, ...later];
          if (statements.length > 0) logger.info('statements made', { projectId, months: statements.map((s) => s.month) });
          metrics.addMetric('StatementsMade', MetricUnit.Count, statements.length);
        } catch (e) {
          if (!(e instanceof NotFound)) throw e;
          // A project that does not exist has nothing to charge; a retry cannot change that.
          logger.warn('charge message for an unknown project', { projectId });
          through = date;
        }
        // Each run this batch served learns the project is done with it (GET /admin/billing-runs/{date}).
        for (const d of dates) if (d <= through) marks.push({ date: d, projectId, charged: { days } });
        metrics.addMetric('ProjectsCharged', MetricUnit.Count, 1);
      } catch (e) {
        const error = e instanceof Error ? e.message : String(e);
        if (e instanceof DomainError) {
          // The project's stored data cannot be charged (a day no price covers): retries will not
          // change that. It fails alone (partial batch) into the DLQ, whose alarm fires; this record
          // and metric tell the operator which project and why. Nothing is charged wrongly meanwhile.
          logger.error('day cannot be charged', { unchargeable: true, projectId, date, code: e.code, error: e.message });
          metrics.addMetric('ProjectsUnchargeable', MetricUnit.Count, 1);
        } else {
          logger.error('charge failed', { projectId, date, error });
        }
        for (const d of dates) marks.push({ date: d, projectId, failed: { error } });
        failed.push(...messageIds);
      }
    }
  };
  await Promise.all(Array.from({ length: Math.min(CONCURRENCY, work.length) }, worker));
  await writeRunMarks(ctx, marks);
  metrics.addMetric('ChargeMessagesFailed', MetricUnit.Count, failed.length);
  return { batchItemFailures: failed.map((itemIdentifier) => ({ itemIdentifier })) };
}

/** Lambda entry point (SQS event source with ReportBatchItemFailures), with Powertools logs, metrics, traces. */
export const handler = observed(chargeBatch);
