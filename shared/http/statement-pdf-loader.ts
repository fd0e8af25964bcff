/**
 * The statement's PDF renderer, loaded on the first request that asks for a PDF. In a Lambda, it is a
 * bundle of its own beside the handler's (the route's `bundles` in routes.ts): pdfkit and its font
 * engine are about 420 KB, which would take the handler's bundle past its 500 KB budget and slow
 * every cold start, JSON and CSV answers included. Elsewhere (the twin, the tests) it is the module.
 */
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import type { Statement } from '../domain/statement';

/** The renderer's bundle beside a Lambda handler's. */
export const STATEMENT_PDF_BUNDLE = 'statement-pdf.js';
/** Named through a variable, so esbuild leaves the import alone instead of inlining the renderer. */
const RENDERER_MODULE = './statement-pdf';

type Renderer = typeof import('./statement-pdf');
let renderer: Promise<Renderer> | undefined;

function loadRenderer(): Promise<Renderer> {
  const beside = join(__dirname, STATEMENT_PDF_BUNDLE);
  renderer ??= existsSync(beside) ? Promise.resolve(createRequire(__filename)(beside) as Renderer) : (import(RENDERER_MODULE) as Promise<Renderer>);
  return renderer;
}

/** The statement's PDF bytes (shared/http/statement-pdf.ts). */
export async function renderStatementPdf(statement: Statement): Promise<Uint8Array> {
  return (await loadRenderer()).statementPdf(statement);
}
