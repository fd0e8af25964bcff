/** A statement of `month` for a project, stored as the nightly month close stores one (issue 21). */
import { transact } from '../../shared/store/transactions';
import { makeStatement, openingAfter } from '../../shared/domain/statement';
import { storeContext } from '../../shared/store/context';
import { statementPut } from '../../shared/store/statements';

export async function seedStatement(projectId: string, projectName: string, month: string): Promise<void> {
  const ctx = storeContext();
  const s = makeStatement({
    projectId, projectName, currency: 'UAH', month, from: `${month}-01`, ...openingAfter(null), creditsDrawn: 0,
    entries: [{ entryId: 'payment#fixture', date: `${month}-03`, type: 'payment', description: 'Payment', amount: 10_000, balanceEffect: true }],
    telecomByKind: new Map(), vatOn: () => 20, productName: () => undefined,
  });
  const out = await transact(ctx.doc, [statementPut(ctx, s, new Date(ctx.now()).toISOString(), 'fixture')]);
  if (!out.committed) throw new Error(`the statement fixture of ${projectId} ${month} was refused`);
}
