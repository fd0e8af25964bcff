/**
 * A number has one owner at a time. Each number keeps the periods during which projects hold it (one
 * item per number, shared/store/numbers.ts), and a project may take a number only for a period no
 * other project holds any part of. A release ends a period at its instant, so another project may
 * take the number from that instant on (periods are half-open, like billing days).
 *
 * A project's own periods are read off its timeline, so backdated (admin) and future changes, and a
 * removal already scheduled after the change, all come out as the timeline applies them.
 * Pure: no I/O, no clock.
 */
import * as z from 'zod';
import { Conflict } from './errors';
import { contentKey, instantMsOf } from './timeline';
import { utcIso } from './timeline-snapshot';
import type { Timeline, TimelineChange } from './types';

/** One project's holding of a number: from `from` (included) until `until` (excluded; null: not released). */
export const HoldingPeriod = z.object({
  projectId: z.string(),
  from: z.string(),
  until: z.string().nullable(),
});
export type HoldingPeriod = z.infer<typeof HoldingPeriod>;

/** A span of instants, epoch ms, `until` excluded (null: open-ended). */
export interface Span { from: number; until: number | null }

/** The API's 409 when another project holds the number during part of the period asked for. */
export class NumberTaken extends Conflict {
  constructor(number: string) {
    super('number_taken', `${number} is held by another project during part of the requested period; a number has one owner at a time`);
  }
}

/**
 * When the timeline holds `number` from `fromMs` on, as spans. The state at `fromMs` includes the
 * changes made exactly then (the last of them wins, by seq), as in timeline.ts.
 */
export function heldSpansFrom(timeline: Timeline, number: string, fromMs: number): Span[] {
  const changes = timeline.changes
    .filter((c): c is Extract<TimelineChange, { kind: 'number' }> => c.kind === 'number' && c.number === number)
    .map((c) => ({ ms: instantMsOf(c.at), seq: c.seq ?? 0, key: contentKey(c), held: c.held }))
    .sort((a, b) => a.ms - b.ms || a.seq - b.seq || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  let held = false;
  let i = 0;
  for (; i < changes.length && changes[i]!.ms <= fromMs; i++) held = changes[i]!.held;
  const spans: Span[] = [];
  let since: number | null = held ? fromMs : null;
  while (i < changes.length) {
    const ms = changes[i]!.ms;
    // Changes at one instant apply together: only the state after the last of them is ever in force.
    for (; i < changes.length && changes[i]!.ms === ms; i++) held = changes[i]!.held;
    if (held && since === null) since = ms;
    if (!held && since !== null) { spans.push({ from: since, until: ms }); since = null; }
  }
  if (since !== null) spans.push({ from: since, until: null });
  return spans;
}

function overlaps(a: Span, b: Span): boolean {
  return (b.until === null || a.from < b.until) && (a.until === null || b.from < a.until);
}

function spanOf(p: HoldingPeriod): Span {
  return { from: Date.parse(p.from), until: p.until === null ? null : Date.parse(p.until) };
}

/**
 * The number's periods once `projectId` holds it as `spans` from `fromMs` on: that project's earlier
 * periods cut at `fromMs`, then `spans`, touching periods joined. With `taking` (the change rents the
 * number) a span that overlaps another project's period is refused with NumberTaken.
 */
export function reholdNumber(number: string, periods: readonly HoldingPeriod[], projectId: string, fromMs: number, spans: readonly Span[], taking: boolean): HoldingPeriod[] {
  const others = periods.filter((p) => p.projectId !== projectId);
  if (taking && others.some((p) => spans.some((s) => overlaps(spanOf(p), s)))) throw new NumberTaken(number);
  const mine: Span[] = [];
  for (const p of periods.filter((x) => x.projectId === projectId)) {
    const s = spanOf(p);
    if (s.from < fromMs) mine.push({ from: s.from, until: s.until === null || s.until > fromMs ? fromMs : s.until });
  }
  for (const s of spans) {
    const last = mine[mine.length - 1];
    if (last && last.until === s.from) last.until = s.until;
    else mine.push({ ...s });
  }
  const out = [...others, ...mine.map((s) => ({ projectId, from: utcIso(s.from), until: s.until === null ? null : utcIso(s.until) }))];
  return out.sort((a, b) => (a.from < b.from ? -1 : a.from > b.from ? 1 : 0));
}
