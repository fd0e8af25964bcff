/**
 * GET /projects/{projectId}/statements/{month}: the month's statement as JSON; `Accept: text/csv` gives
 * one row per figure (`section,item,count,amount`) as an attachment, `Accept: application/pdf` the
 * document a person reads (made only when asked).
 */
import { getStatement } from '../../shared/billing/statements';
import { ValidationFailed } from '../../shared/domain/errors';
import { Month, statementRows } from '../../shared/domain/statement';
import { csvTable } from '../../shared/http/csv';
import { httpRoute, ok } from '../../shared/http/route';
import { renderStatementPdf } from '../../shared/http/statement-pdf-loader';
import { storeContext } from '../../shared/composition/api';

export const STATEMENT_CSV_HEADER = ['section', 'item', 'count', 'amount'] as const;

export const handler = httpRoute('GET /projects/{projectId}/statements/{month}').handler(async ({ params }) => {
  if (!Month.safeParse(params.month).success) throw new ValidationFailed('month must be a calendar month YYYY-MM, such as 2026-11');
  const statement = await getStatement(storeContext(), params.projectId, params.month);
  const name = `statement-${params.projectId}-${params.month}`;
  return {
    ...ok(statement),
    csv: csvTable(STATEMENT_CSV_HEADER, statementRows(statement)),
    filename: `${name}.csv`,
    pdf: { render: () => renderStatementPdf(statement), filename: `${name}.pdf` },
  };
});
