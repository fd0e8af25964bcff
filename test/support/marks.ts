/**
 * Usage items with their debit marks (Ledger table) folded in, by the store's own
 * shared/store/debit-marks.ts withDebitMarks: what the tests check "debited once" and "counted on" against.
 */
import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type { BillingDay } from '../../shared/domain/billing-days';
import type { StoreContext } from '../../shared/store/context';
import { withDebitMarks as withMarks } from '../../shared/store/debit-marks';
import type { UsageItem } from '../../shared/store/usage';

export type MarkedUsage = UsageItem & { debitedAt?: string; countedOn?: BillingDay; debited?: number };

export function withDebitMarks(doc: DynamoDBDocumentClient, ledgerTable: string, items: readonly UsageItem[]): Promise<MarkedUsage[]> {
  return withMarks({ doc, tables: { ledger: ledgerTable } as StoreContext['tables'] }, items);
}
