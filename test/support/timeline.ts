/** Builders for pure timeline tests: dated changes and a Europe/Kyiv timeline over them. */
import type { NumberType, ProductId } from '../../shared/domain/plan';
import type { Timeline, TimelineChange } from '../../shared/domain/types';

export const ZONE = 'Europe/Kyiv';

export const product = (at: string, productId: ProductId, enabled: boolean, seats?: number, seq?: number): TimelineChange =>
  ({ kind: 'product', at, productId, enabled, ...(seats === undefined ? {} : { seats }), ...(seq === undefined ? {} : { seq }) });

export const number = (at: string, n: string, held: boolean, numberType: NumberType = 'local', seq?: number): TimelineChange =>
  ({ kind: 'number', at, number: n, numberType, held, ...(seq === undefined ? {} : { seq }) });

export const tl = (changes: TimelineChange[], sessions: Timeline['sessions'] = []): Timeline => ({ changes, sessions, zone: ZONE });
