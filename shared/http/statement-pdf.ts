/**
 * A statement as one A4 PDF a person reads (docs/api.md "Statements"): the project's name, the
 * month, every figure with its label, money in the project's currency as people write it.
 *
 * Made with pdfkit (README "Dependencies, and why") and DejaVu Sans, a TrueType font that covers
 * Latin and Cyrillic (and Greek, Armenian, Georgian, …), embedded as a subset of the glyphs used so
 * names print as written. The font is read from a file: beside the Lambda bundle (lib/constructs/api.ts
 * copies it there: the route's `files` in routes.ts, so the bundle does not carry 740 KB of font inlined), else from its npm package.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import PDFDocument from 'pdfkit';
import { formatCount, formatMoneyPrinted } from '../domain/format';
import type { Statement } from '../domain/statement';

/** The font's file name beside a Lambda bundle. */
export const STATEMENT_FONT_FILE = 'DejaVuSans.ttf';
/** The same file in its npm package (what the bundle's copy is made from). */
export const STATEMENT_FONT_PACKAGE_PATH = 'dejavu-fonts-ttf/ttf/DejaVuSans.ttf';

let font: Buffer | undefined;

function fontData(): Buffer {
  if (!font) {
    const beside = join(__dirname, STATEMENT_FONT_FILE);
    font = readFileSync(existsSync(beside) ? beside : createRequire(__filename).resolve(STATEMENT_FONT_PACKAGE_PATH));
  }
  return font;
}

/** One printed line: a label, an optional count, an amount (or nothing, for a heading). */
interface Line { label: string; count?: string; amount?: string; heading?: boolean }

const KIND_LABELS: Readonly<Record<string, string>> = {
  outgoing_call: 'Outgoing calls', forwarded_call: 'Forwarded calls', sms: 'SMS', other: 'Calls and SMS (by kind not recorded)',
};

/** The statement's lines in reading order: balances, movements, charges, credit, VAT. */
export function statementLines(s: Statement): Line[] {
  const m = (x: number) => formatMoneyPrinted(x, s.currency);
  const c = s.charges;
  return [
    { label: 'Opening balance', amount: m(s.openingBalance) },
    { label: 'Payments and corrections', heading: true },
    { label: 'Payments', amount: m(s.payments) },
    { label: 'Adjustments (net)', amount: m(s.adjustments) },
    { label: 'Refunds of usage', amount: m(s.refunds) },
    { label: 'Credits granted', amount: m(s.creditsGranted) },
    { label: 'Credits expired', amount: m(s.creditsExpired) },
    { label: 'Credits voided', amount: m(s.creditsVoided) },
    { label: 'Charges', heading: true },
    ...c.products.map((p) => ({ label: p.name, count: `${formatCount(p.days)} days`, amount: m(p.amount) })),
    ...c.numbers.map((n) => ({ label: `Numbers: ${n.type}`, count: `${formatCount(n.count)} number-days`, amount: m(n.amount) })),
    { label: 'Multi-product discount (less)', amount: m(c.discount) },
    ...c.telecom.map((t) => ({ label: KIND_LABELS[t.kind] ?? t.kind, count: `${formatCount(t.count)} events`, amount: m(t.amount) })),
    { label: 'Total charges', amount: m(c.total) },
    { label: 'Closing balance', amount: m(s.closingBalance) },
    { label: 'Credit (promotional balance)', heading: true },
    { label: 'Opening credit balance', amount: m(s.openingCreditBalance) },
    { label: 'Credits granted', amount: m(s.creditsGranted) },
    { label: 'Credits drawn', amount: m(s.creditsDrawn) },
    { label: 'Credits expired', amount: m(s.creditsExpired) },
    { label: 'Credits voided', amount: m(s.creditsVoided) },
    { label: 'Closing credit balance', amount: m(s.closingCreditBalance) },
    { label: 'VAT included in the charges', heading: true },
    ...s.vat.flatMap((v) => [
      { label: `Charges at ${v.percent}% VAT`, amount: m(v.gross) },
      { label: `VAT ${v.percent}% included`, amount: m(v.included) },
    ]),
  ];
}

const A4: [number, number] = [595.28, 841.89];
const MARGIN = 50;

/** The statement's PDF bytes. */
export function statementPdf(s: Statement): Promise<Buffer> {
  const doc = new PDFDocument({ size: A4, margin: MARGIN, font: fontData() as unknown as string, info: { Title: `Statement ${s.month}: ${s.projectName}`, Producer: 'paygo' }, compress: true });
  const chunks: Buffer[] = [];
  const done = new Promise<Buffer>((resolve, reject) => {
    doc.on('data', (c: Buffer) => chunks.push(c));
    doc.on('end', () => resolve(Buffer.concat(chunks)));
    doc.on('error', reject);
  });
  const width = A4[0] - 2 * MARGIN;
  doc.fontSize(18).text(`Statement for ${s.month}`, { width });
  doc.moveDown(0.3);
  doc.fontSize(12).text(s.projectName, { width });
  doc.fontSize(9).fillColor('#444').text(`Project ${s.projectId} · ${s.from} to ${s.to} · amounts in ${s.currency}, VAT included`, { width });
  doc.fillColor('black').moveDown(1);

  const bottom = A4[1] - MARGIN;
  for (const line of statementLines(s)) {
    const height = line.heading ? 22 : 16;
    if (doc.y + height > bottom) doc.addPage({ size: A4, margin: MARGIN });
    const y = doc.y + (line.heading ? 6 : 0);
    if (line.heading) {
      doc.fontSize(11).text(line.label, MARGIN, y, { width, lineBreak: false });
      doc.moveTo(MARGIN, y + 14).lineTo(MARGIN + width, y + 14).lineWidth(0.5).stroke('#999');
      doc.y = y + 18;
      continue;
    }
    doc.fontSize(10);
    doc.text(line.label, MARGIN, y, { width: width * 0.55, lineBreak: false, ellipsis: true });
    if (line.count) doc.text(line.count, MARGIN + width * 0.55, y, { width: width * 0.2, align: 'right', lineBreak: false });
    if (line.amount) doc.text(line.amount, MARGIN + width * 0.75, y, { width: width * 0.25, align: 'right', lineBreak: false });
    doc.y = y + height;
    doc.x = MARGIN;
  }
  doc.end();
  return done;
}
