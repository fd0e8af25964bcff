/**
 * The statement routes (docs/api.md "Statements"): JSON, CSV (one row per figure, spreadsheet-safe, an
 * attachment) and PDF (A4, every figure with its label, a Cyrillic name as written), read back to
 * text with poppler's `pdftotext`; roles and bad input.
 */
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Context } from 'aws-lambda';
import { beforeAll, describe, expect, it } from 'vitest';
import { handler as chargeDay } from '../../functions/billing/charge-day';
import { handler as getStatementRoute } from '../../functions/api/get-statement';
import { handler as listStatementsRoute } from '../../functions/api/list-statements';
import { debitProject } from '../../shared/billing/debit-usage';
import { storeUsage } from '../../shared/billing/ingest-usage';
import { recordPayment } from '../../shared/billing/payments';
import { getStatement } from '../../shared/billing/statements';
import { DEFAULT_PLAN } from '../../shared/domain/default-plan';
import { formatMoneyPrinted } from '../../shared/domain/format';
import { raterFor } from '../../shared/domain/rating';
import { statementRows, type Statement } from '../../shared/domain/statement';
import type { UsageEvent } from '../../shared/domain/usage';
import { storeContext } from '../../shared/store/context';
import { usageItemOf } from '../../shared/store/usage';
import { billingEnv, change, newProject, number, product, sqsEvent } from '../support/billing';
import { apiEvent, call, projectAuth } from '../support/http';

let env: Awaited<ReturnType<typeof billingEnv>>;
const ROUTE = 'GET /projects/{projectId}/statements/{month}';
const LIST = 'GET /projects/{projectId}/statements';
const context = { getRemainingTimeInMillis: () => 600_000 } as unknown as Context;
const NAME = '=ТОВ «Ромашка», Київ';
let id: string;
let statement: Statement;

beforeAll(async () => {
  env = await billingEnv('2026-02-20T10:00:00Z');
  id = await newProject({ billingStartDate: '2026-02-10', name: NAME });
  const ctx = storeContext();
  await recordPayment(ctx, id, `pay-${id}`, 1_234_567);
  await change(id, '2026-02-10T06:00:00Z', product('telephony', true, 4));
  await change(id, '2026-02-10T06:00:00Z', product('analytics', true));
  await change(id, '2026-02-10T06:00:00Z', number('+380442223344', true, 'local'));
  await change(id, '2026-02-10T06:00:00Z', number('+380502223344', true, 'mobile'));
  const rater = raterFor(DEFAULT_PLAN.tariff);
  const events = ([
    { kind: 'outgoing_call', destination: '+380441234567', occurredAt: '2026-02-15T09:00:00Z', durationSec: 95 },
    { kind: 'forwarded_call', destination: '+380671234567', occurredAt: '2026-02-16T09:00:00Z', durationSec: 40 },
    { kind: 'sms', destination: '+380931234567', occurredAt: '2026-02-17T09:00:00Z', segments: 2 },
  ] as const).map((e, i) => {
    const ev = { ...e, eventId: `stf-${id}-${i}`, projectId: id } as UsageEvent;
    return { ...ev, cost: rater.rate(ev) };
  });
  await storeUsage(ctx, events);
  await debitProject(ctx, id, events.map((e) => usageItemOf(ctx.zone, e, '2026-02-20T10:00:00.000Z')));
  env.at('2026-03-01T22:10:00Z');
  expect(await chargeDay(sqsEvent([{ projectId: id, date: '2026-03-01' }]))).toEqual({ batchItemFailures: [] });
  statement = await getStatement(ctx, id, '2026-02');
}, 120_000);

describe('GET /projects/{projectId}/statements', () => {
  it('lists the months, newest first, for the project and an admin; 403 for another project', async () => {
    const list = await call(listStatementsRoute, LIST, { params: { projectId: id }, auth: projectAuth(id) });
    expect(list).toMatchObject({ status: 200, body: { statements: [{ month: '2026-02', openingBalance: 0, closingBalance: statement.closingBalance }] } });
    expect((await call(listStatementsRoute, LIST, { params: { projectId: id }, auth: projectAuth('someone-else') })).status).toBe(403);
  });
});

describe('GET /projects/{projectId}/statements/{month}', () => {
  it('answers the statement as JSON; 404 for a month not made; 400 for a malformed month', async () => {
    const got = await call(getStatementRoute, ROUTE, { params: { projectId: id, month: '2026-02' }, auth: projectAuth(id) });
    expect(got.status).toBe(200);
    expect(got.body).toEqual(statement);
    expect(Object.keys(got.body).slice(0, 4)).toEqual(['projectId', 'projectName', 'month', 'currency']);
    expect(statement.charges.telecom.map((t) => t.kind)).toEqual(['outgoing_call', 'forwarded_call', 'sms']);
    expect((await call(getStatementRoute, ROUTE, { params: { projectId: id, month: '2026-03' } })).status).toBe(404);
    const bad = await call(getStatementRoute, ROUTE, { params: { projectId: id, month: '2026-13' } });
    expect(bad.status).toBe(400);
    expect(bad.body.error.message).toMatch(/YYYY-MM/);
    expect((await call(getStatementRoute, ROUTE, { params: { projectId: id, month: '2026-02' }, auth: projectAuth('someone-else') })).status).toBe(403);
  });

  it('answers CSV with Accept: text/csv: one row per figure, spreadsheet-safe, as an attachment', async () => {
    const res = await getStatementRoute(apiEvent(ROUTE, { params: { projectId: id, month: '2026-02' }, headers: { accept: 'text/csv' } }), context);
    expect(res.statusCode).toBe(200);
    expect(res.headers).toMatchObject({ 'content-type': 'text/csv; charset=utf-8', 'content-disposition': `attachment; filename="statement-${id}-2026-02.csv"` });
    const lines = String(res.body).trimEnd().split('\r\n');
    expect(lines[0]).toBe('section,item,count,amount');
    // The name starts with '=': a spreadsheet would run it, so it is quoted with a leading apostrophe.
    expect(lines[1]).toBe(`project,"'${NAME}",,`);
    expect(lines.length - 1).toBe(statementRows(statement).length);
    expect(lines).toContain(`balance,closing,,${statement.closingBalance}`);
    expect(lines).toContain(`telecom,sms,1,${statement.charges.telecom.find((t) => t.kind === 'sms')!.amount}`);
    expect(lines).toContain(`vat,included at 20%,,${statement.vat[0]!.included}`);
  });

  it('answers PDF with Accept: application/pdf: A4, the Cyrillic name as written and every figure', async () => {
    const res = await getStatementRoute(apiEvent(ROUTE, { params: { projectId: id, month: '2026-02' }, headers: { accept: 'application/pdf' } }), context);
    expect(res.statusCode).toBe(200);
    expect(res.isBase64Encoded).toBe(true);
    expect(res.headers).toMatchObject({ 'content-type': 'application/pdf', 'content-disposition': `attachment; filename="statement-${id}-2026-02.pdf"` });
    const pdf = Buffer.from(String(res.body), 'base64');
    expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
    const file = join(mkdtempSync(join(tmpdir(), 'paygo-statement-')), 'statement.pdf');
    writeFileSync(file, pdf);
    const info = spawnSync('pdfinfo', [file], { encoding: 'utf8' });
    expect(info.error, 'pdfinfo (poppler-utils) must be installed: apt-get install poppler-utils').toBeUndefined();
    expect(info.stdout).toMatch(/Page size:\s+595\.28 x 841\.89 pts \(A4\)/);
    const text = spawnSync('pdftotext', ['-layout', file, '-'], { encoding: 'utf8' }).stdout;
    expect(text).toContain(NAME);
    expect(text).toContain('Statement for 2026-02');
    // Every figure of the statement, formatted as people read money, with its label.
    const s = statement;
    const figures: [string, number][] = [
      ['Opening balance', s.openingBalance], ['Payments', s.payments], ['Adjustments (net)', s.adjustments], ['Refunds of usage', s.refunds],
      ['Credits granted', s.creditsGranted], ['Credits expired', s.creditsExpired], ['Credits voided', s.creditsVoided],
      ...s.charges.products.map((p): [string, number] => [p.name, p.amount]),
      ...s.charges.numbers.map((n): [string, number] => [`Numbers: ${n.type}`, n.amount]),
      ['Multi-product discount (less)', s.charges.discount],
      ['Outgoing calls', s.charges.telecom[0]!.amount], ['Forwarded calls', s.charges.telecom[1]!.amount], ['SMS', s.charges.telecom[2]!.amount],
      ['Total charges', s.charges.total], ['Closing balance', s.closingBalance],
      ['Opening credit balance', s.openingCreditBalance], ['Credits drawn', s.creditsDrawn], ['Closing credit balance', s.closingCreditBalance],
      ['Charges at 20% VAT', s.vat[0]!.gross], ['VAT 20% included', s.vat[0]!.included],
    ];
    const lines = text.split('\n');
    for (const [label, amount] of figures) {
      const line = lines.find((l) => l.trimStart().startsWith(label) && l.includes(formatMoneyPrinted(amount, 'UAH')));
      expect(line, `${label}: ${formatMoneyPrinted(amount, 'UAH')} in\n${text}`).toBeDefined();
    }
    expect(formatMoneyPrinted(s.payments, 'UAH')).toBe('12 345,67 UAH');
  });
});
