/**
 * The billing page's script (bundled by scripts/build-portal.ts into shared/http/portal-assets.generated.ts).
 * Plain DOM and hand-made SVG: the page is a handful of tables, a form and one stacked bar chart,
 * which a framework would only make larger. It reads the session token from the URL fragment and
 * sends it as `Authorization: Bearer` on every data request to paygo's own origin; every figure shown
 * is an API figure as it came (kept in `data-minor` next to its text).
 *
 * Sections whose route is not deployed yet (credits, statements, reports) are hidden when the route
 * answers 404, so the page works before and after those routes exist.
 */
import { day, money, WORDS, type Locale, type Words } from './i18n';

type Json = Record<string, unknown>;
interface LedgerEntry { entryId: string; date: string; type: string; description: string; amount: number; balanceEffect: boolean }
interface ProductView { productId: string; name: string; enabled: boolean; monthlyPrice: number; included: string[]; seats?: number }

const params = new URLSearchParams(location.hash.slice(1));
const token = params.get('token') ?? '';
const locale: Locale = params.get('locale') === 'en' ? 'en' : 'uk';
const returnUrl = safeUrl(params.get('return'));
const t: Words = WORDS[locale];
const claims = readClaims(token);
const app = document.getElementById('app')!;
let currency = 'UAH';

class HttpError extends Error {
  constructor(readonly status: number) { super(`HTTP ${status}`); }
}

function safeUrl(v: string | null): string | null {
  if (!v) return null;
  try {
    const u = new URL(v);
    return u.protocol === 'https:' || u.protocol === 'http:' ? u.href : null;
  } catch {
    return null;
  }
}

/** The token's project and whether it may change things: only to lay the page out; paygo checks both. */
function readClaims(tok: string): { projectId: string; changes: boolean } | null {
  const payload = /^pgs_([A-Za-z0-9_-]+)\./.exec(tok)?.[1];
  if (!payload) return null;
  try {
    const json = JSON.parse(atob(payload.replace(/-/g, '+').replace(/_/g, '/'))) as { p?: unknown; c?: unknown };
    return typeof json.p === 'string' ? { projectId: json.p, changes: json.c === 1 } : null;
  } catch {
    return null;
  }
}

type Child = Node | string | null | undefined | false;
function h<K extends keyof HTMLElementTagNameMap>(tag: K, attrs: Record<string, string | boolean | undefined> = {}, ...children: Child[]): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (v === undefined || v === false) continue;
    el.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children) if (c !== null && c !== undefined && c !== false) el.append(c);
  return el;
}
const SVG = 'http://www.w3.org/2000/svg';
function s(tag: string, attrs: Record<string, string | number>, ...children: (Node | string)[]): SVGElement {
  const el = document.createElementNS(SVG, tag);
  for (const [k, v] of Object.entries(attrs)) el.setAttribute(k, String(v));
  el.append(...children);
  return el;
}

/** An amount: its text, and the API's integer beside it. */
function amount(minor: number, cls = 'money'): HTMLElement {
  return h('span', { class: cls, 'data-minor': String(minor) }, money(minor, currency, locale));
}

const base = `/projects/${encodeURIComponent(claims?.projectId ?? '-')}`;

async function api(path: string, init: RequestInit = {}): Promise<Response> {
  const res = await fetch(base + path, { ...init, headers: { authorization: `Bearer ${token}`, ...(init.headers as Record<string, string> | undefined) } });
  if (!res.ok) throw new HttpError(res.status);
  return res;
}
const getJson = async <T>(path: string): Promise<T> => (await api(path)).json() as Promise<T>;
/** null when the route does not exist (yet): its section is left out. */
async function optional<T>(path: string): Promise<T | null> {
  try {
    return await getJson<T>(path);
  } catch (e) {
    if (e instanceof HttpError && (e.status === 404 || e.status === 405)) return null;
    throw e;
  }
}

function section(id: string, title: string, ...children: Child[]): HTMLElement {
  return h('section', { id, 'aria-labelledby': `${id}-h` }, h('h2', { id: `${id}-h` }, title), ...children);
}

/** A table in a scroll box of its own, so a wide table never widens the page. */
function table(label: string, head: string[], rows: Child[][], numeric: number[] = []): HTMLElement {
  const thead = h('thead', {}, h('tr', {}, ...head.map((x, i) => h('th', { scope: 'col', class: numeric.includes(i) ? 'num' : undefined }, x))));
  const tbody = h('tbody', {}, ...rows.map((r) => h('tr', {}, ...r.map((c, i) => h('td', { class: numeric.includes(i) ? 'num' : undefined }, c)))));
  return h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': label }, h('table', {}, thead, tbody));
}

async function download(path: string, accept: string, filename: string): Promise<void> {
  const blob = await (await api(path, { headers: { accept } })).blob();
  const url = URL.createObjectURL(blob);
  const a = h('a', { href: url, download: filename });
  document.body.append(a);
  a.click();
  a.remove();
  setTimeout(() => URL.revokeObjectURL(url), 10_000);
}

// --- sections

function summary(project: Json, forecast: Json): HTMLElement {
  const next = forecast.nextCharge as { date: string; amount: number };
  const runsOut = forecast.balanceRunsOutOn as string | null;
  const tiles: Child[] = [
    h('div', { class: 'tile', id: 'balance' }, h('div', { class: 'label' }, t.balance), amount(project.balance as number, 'money big')),
    typeof project.creditBalance === 'number'
      ? h('div', { class: 'tile', id: 'credit-balance' }, h('div', { class: 'label' }, t.creditBalance), amount(project.creditBalance, 'money big'))
      : null,
    h('div', { class: 'tile', id: 'runway' }, h('div', { class: 'label' }, t.runway), h('span', { class: 'big', 'data-day': runsOut ?? '' }, runsOut ? day(runsOut, locale) : t.runwayNever)),
    h('div', { class: 'tile', id: 'next-charge' }, h('div', { class: 'label' }, `${t.nextCharge} · ${day(next.date, locale)}`), amount(next.amount, 'money big')),
  ];
  return section('summary', t.summary,
    project.status === 'blocked' ? h('p', { class: 'alert', role: 'alert' }, t.blocked) : null,
    h('div', { class: 'tiles' }, ...tiles));
}

function productsSection(list: { products: ProductView[]; discountPercent: number }, refresh: () => Promise<void>): HTMLElement {
  const canChange = claims?.changes === true;
  const cards = list.products.map((p) => productCard(p, canChange, refresh));
  return section('products', t.products,
    canChange ? null : h('p', { class: 'note' }, t.readOnly),
    list.discountPercent > 0 ? h('p', { class: 'note', id: 'discount' }, `${t.discount}: ${list.discountPercent}%`) : null,
    h('ul', { class: 'cards' }, ...cards));
}

function productCard(p: ProductView, canChange: boolean, refresh: () => Promise<void>): HTMLElement {
  const id = `product-${p.productId}`;
  const toggle = h('input', { type: 'checkbox', role: 'switch', id: `${id}-switch`, 'aria-describedby': `${id}-state`, disabled: !canChange, checked: p.enabled });
  toggle.checked = p.enabled;
  const seats = p.seats !== undefined
    ? h('input', { type: 'number', id: `${id}-seats`, min: '0', max: '10000', step: '1', inputmode: 'numeric', value: String(p.seats), disabled: !canChange })
    : null;
  const pending = h('div', { class: 'pending', id: `${id}-pending`, 'aria-live': 'polite' });
  const card = h('li', { class: 'card', id, 'data-product': p.productId },
    h('div', { class: 'row' },
      h('h3', {}, p.name),
      h('div', { class: 'switch' },
        toggle,
        h('label', { for: `${id}-switch` }, h('span', { class: 'visually-hidden' }, `${p.name}: `), h('span', { id: `${id}-state` }, p.enabled ? t.on : t.off)))),
    h('p', { class: 'price' }, amount(p.monthlyPrice), ` ${t.perMonth}`),
    p.included.length ? h('ul', { class: 'included', 'aria-label': t.included }, ...p.included.map((x) => h('li', {}, x))) : null,
    seats ? h('p', { class: 'seats' }, h('label', { for: `${id}-seats` }, `${t.seats} `), seats) : null,
    pending);
  if (!canChange) return card;

  const propose = async () => {
    const enabled = toggle.checked;
    const n = seats ? Number(seats.value) : undefined;
    if (n !== undefined && (!Number.isInteger(n) || n < 0 || n > 10_000)) return;
    if (enabled === p.enabled && (n === undefined || n === p.seats)) { pending.replaceChildren(); return; }
    const price = await getJson<{ tomorrow: { date: string; amount: number } }>(`/products/${encodeURIComponent(p.productId)}/price${n !== undefined ? `?seats=${n}` : ''}`);
    const confirm = h('button', { type: 'button', class: 'primary', id: `${id}-confirm` }, t.confirm);
    const cancel = h('button', { type: 'button', id: `${id}-cancel` }, t.cancel);
    pending.replaceChildren(h('p', {}, `${t.changeTo}: ${enabled ? t.on : t.off}${n !== undefined ? `, ${t.seats.toLowerCase()} ${n}` : ''}. ${t.tomorrow} (${day(price.tomorrow.date, locale)}): `,
      enabled ? amount(price.tomorrow.amount, 'money tomorrow') : amount(0, 'money tomorrow')), confirm, ' ', cancel);
    cancel.addEventListener('click', () => {
      toggle.checked = p.enabled;
      if (seats) seats.value = String(p.seats);
      pending.replaceChildren();
    });
    confirm.addEventListener('click', async () => {
      confirm.disabled = true;
      await api(`/products/${encodeURIComponent(p.productId)}`, {
        method: 'PUT', headers: { 'content-type': 'application/json' },
        body: JSON.stringify(n !== undefined ? { enabled, seats: n } : { enabled }),
      });
      await refresh();
      document.getElementById(`${id}-switch`)?.focus();
    });
  };
  const run = () => { propose().catch(showError); };
  toggle.addEventListener('change', run);
  seats?.addEventListener('change', run);
  return card;
}

interface SpendDay { day: string; products: number; telecom: number }

/** The last 30 days' spend: the spend report when it exists, else summed from the ledger's daily lines. */
async function spendByDay(from: string, to: string): Promise<SpendDay[]> {
  const days: string[] = [];
  for (let d = from; d <= to; d = addDay(d, 1)) days.push(d);
  const report = await optional<{ rows: { period: string; products: number; numbers: number; discount: number; telecom: number }[] }>(`/reports/spend?from=${from}&to=${to}&groupBy=day`);
  const byDay = new Map<string, SpendDay>(days.map((d) => [d, { day: d, products: 0, telecom: 0 }]));
  if (report) {
    for (const r of report.rows) {
      const x = byDay.get(r.period);
      if (x) { x.products = r.products + r.numbers - r.discount; x.telecom = r.telecom; }
    }
  } else {
    for (const e of await ledgerRange(from, to)) {
      const x = byDay.get(e.date);
      if (!x) continue;
      if (e.type === 'product_daily' || e.type === 'number_daily' || e.type === 'discount') x.products -= e.amount;
      else if (e.type === 'telecom_daily') x.telecom -= e.amount;
    }
  }
  return [...byDay.values()];
}

async function ledgerRange(from: string, to: string): Promise<LedgerEntry[]> {
  const out: LedgerEntry[] = [];
  let cursor: string | null = null;
  do {
    const page: { entries: LedgerEntry[]; nextCursor: string | null } = await getJson(`/ledger?from=${from}&to=${to}&limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    out.push(...page.entries);
    cursor = page.nextCursor;
  } while (cursor);
  return out;
}

function addDay(d: string, n: number): string {
  const [y, m, dd] = d.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, dd + n)).toISOString().slice(0, 10);
}

/** A stacked bar chart in SVG: one bar a day, products below, telecom above. */
function chart(rows: SpendDay[]): HTMLElement {
  // Drawn at the width it gets (no scaling of text): the section's inner width when the page is laid out.
  const W = Math.max(280, Math.min(1140, app.clientWidth - 66)), H = 220, left = 8, top = 10, bottom = 24;
  const max = Math.max(1, ...rows.map((r) => Math.max(0, r.products) + Math.max(0, r.telecom)));
  const slot = (W - left * 2) / rows.length;
  const bar = Math.max(2, slot * 0.7);
  const y = (v: number) => ((H - top - bottom) * v) / max;
  const g = s('g', {});
  rows.forEach((r, i) => {
    const x = left + i * slot + (slot - bar) / 2;
    const p = Math.max(0, r.products), tl = Math.max(0, r.telecom);
    const label = `${day(r.day, locale)}: ${t.spendProducts} ${money(r.products, currency, locale)}, ${t.spendTelecom} ${money(r.telecom, currency, locale)}`;
    const col = s('g', { 'data-day': r.day, 'data-products': r.products, 'data-telecom': r.telecom }, s('title', {}, label));
    col.append(s('rect', { x: x.toFixed(1), y: (H - bottom - y(p)).toFixed(1), width: bar.toFixed(1), height: y(p).toFixed(1), class: 'bar-products' }));
    col.append(s('rect', { x: x.toFixed(1), y: (H - bottom - y(p) - y(tl)).toFixed(1), width: bar.toFixed(1), height: y(tl).toFixed(1), class: 'bar-telecom' }));
    if ((rows.length - 1 - i) % 7 === 0) col.append(s('text', { x: (i === rows.length - 1 ? x + bar : i === 0 ? x : x + bar / 2).toFixed(1), y: H - 6, 'text-anchor': i === rows.length - 1 ? 'end' : i === 0 ? 'start' : 'middle', class: 'axis' }, r.day.slice(8) + '.' + r.day.slice(5, 7)));
    g.append(col);
  });
  const total = rows.reduce((a, r) => a + r.products + r.telecom, 0);
  const svg = s('svg', { viewBox: `0 0 ${W} ${H}`, role: 'img', 'aria-label': `${t.chartLabel}. ${t.total}: ${money(total, currency, locale)}`, class: 'chart' },
    s('line', { x1: left, x2: W - left, y1: H - bottom, y2: H - bottom, class: 'baseline' }), g);
  const legend = h('ul', { class: 'legend' },
    h('li', {}, h('span', { class: 'key key-products', 'aria-hidden': 'true' }), t.spendProducts),
    h('li', {}, h('span', { class: 'key key-telecom', 'aria-hidden': 'true' }), t.spendTelecom),
    h('li', {}, `${t.total}: `, amount(total)));
  const wrap = h('div', { class: 'chart-wrap' });
  wrap.append(svg);
  return section('spend', t.spend, wrap, legend);
}

function usageSection(report: { rows: { group: Record<string, string | null>; count: number; durationSec: number; amount: number }[]; total: { count: number; durationSec: number; amount: number } }): HTMLElement {
  const rows = report.rows.map((r) => [r.group.country ?? '—', t.kinds[r.group.kind ?? ''] ?? r.group.kind ?? '—', String(r.count), String(r.durationSec), amount(r.amount)] as Child[]);
  rows.push([h('strong', {}, t.total), '', String(report.total.count), String(report.total.durationSec), amount(report.total.amount)]);
  return section('usage', t.usage, report.rows.length ? table(t.usage, [t.country, t.kind, t.count, t.duration, t.amount], rows, [2, 3, 4]) : h('p', {}, t.none));
}

function creditsSection(grants: { grantId: string; amount: number; remaining: number; expiresOn: string | null; description: string; status: string }[]): HTMLElement {
  return section('credits', t.credits, grants.length
    ? table(t.credits, [t.description, t.granted, t.remaining, t.expires, t.status],
      grants.map((g) => [g.description, amount(g.amount), amount(g.remaining), g.expiresOn ? day(g.expiresOn, locale) : '—', g.status]), [1, 2])
    : h('p', {}, t.none));
}

/** The money movements of the last 30 days (a year-old project's oldest lines are not what its owner looks for), 20 at a time. */
function ledgerSection(from: string): HTMLElement {
  const body = h('tbody', {});
  const wrap = h('div', { class: 'scroll', tabindex: '0', role: 'region', 'aria-label': t.ledger },
    h('table', {}, h('thead', {}, h('tr', {}, h('th', { scope: 'col' }, t.date), h('th', { scope: 'col' }, t.description), h('th', { scope: 'col', class: 'num' }, t.amount))), body));
  const more = h('button', { type: 'button', id: 'ledger-more' }, t.more);
  const csv = h('button', { type: 'button', id: 'ledger-csv' }, t.csv);
  let cursor: string | null = null;
  const load = async () => {
    more.disabled = true;
    const page: { entries: LedgerEntry[]; nextCursor: string | null } = await getJson(`/ledger?from=${from}&limit=20${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    for (const e of page.entries) {
      body.append(h('tr', { 'data-entry': e.entryId }, h('td', {}, day(e.date, locale)), h('td', {}, e.description), h('td', { class: 'num' }, amount(e.amount, e.balanceEffect ? 'money' : 'money info'))));
    }
    cursor = page.nextCursor;
    more.disabled = false;
    more.hidden = cursor === null;
  };
  more.addEventListener('click', () => { load().catch(showError); });
  csv.addEventListener('click', () => { download(`/ledger?from=${from}&limit=1000`, 'text/csv', `ledger-${from}.csv`).catch(showError); });
  load().catch(showError);
  return section('ledger', t.ledger, wrap, h('p', { class: 'actions' }, more, ' ', csv));
}

function statementsSection(list: { statements: { month: string; openingBalance: number; closingBalance: number }[] }): HTMLElement {
  return section('statements', t.statements, list.statements.length
    ? table(t.statements, [t.month, t.opening, t.closing, t.pdf], list.statements.map((st) => {
      const b = h('button', { type: 'button', 'aria-label': `${t.pdf} ${st.month}` }, t.pdf);
      b.addEventListener('click', () => { download(`/statements/${st.month}`, 'application/pdf', `statement-${st.month}.pdf`).catch(showError); });
      return [st.month, amount(st.openingBalance), amount(st.closingBalance), b];
    }), [1, 2])
    : h('p', {}, t.none));
}

function showError(e: unknown): void {
  const msg = e instanceof HttpError && (e.status === 401 || e.status === 403) ? t.invalid : t.failed;
  let box = document.getElementById('error');
  if (!box) {
    box = h('p', { id: 'error', class: 'alert', role: 'alert' });
    app.prepend(box);
  }
  box.textContent = msg;
}

async function render(): Promise<void> {
  document.documentElement.lang = locale;
  document.title = t.title;
  const header = h('header', {}, h('h1', {}, t.title), returnUrl ? h('a', { href: returnUrl, class: 'back', target: '_top' }, t.back) : null);
  if (!claims) {
    app.replaceChildren(header, h('p', { class: 'alert', role: 'alert' }, t.invalid));
    return;
  }
  let project: Json;
  try {
    project = await getJson<Json>('');
  } catch (e) {
    // A forged, expired or other project's link: nothing but the message.
    app.replaceChildren(header, h('p', { class: 'alert', role: 'alert' }, e instanceof HttpError && e.status < 500 ? t.invalid : t.failed));
    return;
  }
  currency = String(project.currency);
  header.querySelector('h1')!.textContent = `${t.title} · ${String(project.name)}`;

  const top = h('div', {});
  const products = h('div', {});
  const refresh = async () => {
    const [p, f, list] = await Promise.all([getJson<Json>(''), getJson<Json>('/forecast'), getJson<{ products: ProductView[]; discountPercent: number }>('/products')]);
    top.replaceChildren(summary(p, f));
    products.replaceChildren(productsSection(list, refresh));
  };
  const forecast = await getJson<Json>('/forecast');
  const today = (forecast.nextCharge as { date: string }).date;
  const monthStart = `${today.slice(0, 8)}01`;
  const [list, spend, usage, credits, statements] = await Promise.all([
    getJson<{ products: ProductView[]; discountPercent: number }>('/products'),
    spendByDay(addDay(today, -29), today),
    optional<Parameters<typeof usageSection>[0]>(`/reports/usage?from=${monthStart}&to=${today}&groupBy=country,kind`),
    optional<{ grants: Parameters<typeof creditsSection>[0] }>('/credits'),
    optional<Parameters<typeof statementsSection>[0]>('/statements'),
  ]);
  top.replaceChildren(summary(project, forecast));
  products.replaceChildren(productsSection(list, refresh));
  app.replaceChildren(header, top, products, chart(spend),
    usage ? usageSection(usage) : '',
    credits ? creditsSection(credits.grants) : '',
    ledgerSection(addDay(today, -29)),
    statements ? statementsSection(statements) : '');
  app.setAttribute('data-ready', 'true');
}

render().catch(showError);
