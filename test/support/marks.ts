/**
 * Usage items with their debit marks (Ledger table, shared/store/debit-marks.ts) folded in: what the
 * tests check "debited once" and "counted on" against.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../../shared/domain/billing-days';
import { readDebitMarks } from '../../shared/store/debit-marks';
import type { StoreContext } from '../../shared/store/context';
import type { UsageItem } from '../../shared/store/usage';

export type MarkedUsage = UsageItem & { debitedAt?: string; countedOn?: BillingDay };

/** `items`, each with its mark's debitedAt and countedOn when it has one (read consistently). */
export async function withDebitMarks(doc: DynamoDBDocumentClient, ledgerTable: string, items: readonly UsageItem[]): Promise<MarkedUsage[]> {
  const marks = await readDebitMarks({ doc, tables: { ledger: ledgerTable } as StoreContext['tables'] }, items.map((i) => i.eventId));
  return items.map((i) => {
    const m = marks.get(i.eventId);
    return m ? { ...i, debitedAt: m.debitedAt, countedOn: m.countedOn } : { ...i };
  });
}
