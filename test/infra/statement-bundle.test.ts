/**
 * The statement route's function as the stack bundles it (issue 21): the handler's bundle without the
 * PDF code, the renderer bundled on its own beside it, the font a file beside both; the renderer,
 * loaded from there as the handler loads it in Lambda, makes a PDF with the font it finds there.
 */
import * as fs from 'node:fs';
import * as os from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { Stack } from 'aws-cdk-lib';
import { describe, expect, it } from 'vitest';
import { resolveBillingSettings } from '../../lib/billing-settings';
import { PaygoFunction } from '../../lib/constructs/paygo-function';
import { makeStatement } from '../../shared/domain/statement';
import { ROUTES } from '../../shared/http/routes';
import { testApp } from './template';

const route = ROUTES.find((r) => r.name === 'GetStatement')!;

describe('the statement function as bundled', () => {
  it('ships the PDF renderer and the font beside a handler bundle under 500 KB, and the renderer works from there', () => {
    const outdir = fs.mkdtempSync(path.join(os.tmpdir(), 'paygo-statement-bundle-'));
    try {
      const app = testApp({ 'aws:cdk:bundling-stacks': ['**'] }, { outdir });
      const stack = new Stack(app, 'Bundle');
      new PaygoFunction(stack, 'Statement', { entry: route.entry, settings: resolveBillingSettings({}), ...(route.files ? { files: route.files } : {}), ...(route.bundles ? { bundles: route.bundles } : {}) });
      app.synth();
      const asset = path.join(outdir, fs.readdirSync(outdir).find((d) => d.startsWith('asset.'))!);
      expect(fs.readdirSync(asset).sort()).toEqual(['DejaVuSans.ttf', 'index.js', 'index.js.map', 'statement-pdf.js']);
      const handler = fs.readFileSync(path.join(asset, 'index.js'), 'utf8');
      expect(handler.length).toBeLessThan(500 * 1024);
      expect(handler).not.toMatch(/fontkit|PDFDocument/);
      expect(fs.statSync(path.join(asset, 'statement-pdf.js')).size).toBeLessThan(500 * 1024);
      const s = makeStatement({
        projectId: 'p', projectName: 'Київ Latin', currency: 'UAH', month: '2026-11', from: '2026-11-01', openingBalance: 0, openingCreditBalance: 0,
        entries: [{ entryId: 'payment#1', date: '2026-11-02', type: 'payment', description: 'Payment', amount: 123456, balanceEffect: true }],
        telecomByKind: new Map(), vatOn: () => 20, creditsDrawn: 0, productName: () => undefined,
      });
      // A fresh process, as Lambda loads it: nothing from this repository's node_modules.
      const script = `require(${JSON.stringify(path.join(asset, 'statement-pdf.js'))}).statementPdf(${JSON.stringify(s)}).then((b) => process.stdout.write(b.toString('base64')))`;
      const run = spawnSync(process.execPath, ['-e', script], { cwd: os.tmpdir(), encoding: 'utf8', timeout: 60_000, env: { PATH: process.env.PATH ?? '' } });
      expect(run.stderr).toBe('');
      const pdf = Buffer.from(run.stdout, 'base64');
      expect(pdf.subarray(0, 5).toString()).toBe('%PDF-');
      const file = path.join(outdir, 's.pdf');
      fs.writeFileSync(file, pdf);
      const text = spawnSync('pdftotext', [file, '-'], { encoding: 'utf8' }).stdout;
      expect(text).toContain('Київ Latin');
      expect(text).toContain('1 234,56 UAH');
    } finally {
      fs.rmSync(outdir, { recursive: true, force: true });
    }
  }, 180_000);
});
