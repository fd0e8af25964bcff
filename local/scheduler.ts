/**
 * The twin's EventBridge Scheduler: fires the fan-out handler at 00:05 in the billing time zone every
 * day, as `cron(5 0 * * ? *)` with the zone does on AWS. Fire times come from luxon, so the 23- and
 * 25-hour days around DST changes are right without an offset table.
 *
 * The handler is given the day to charge (the day before the fire day), so a timer that fires late
 * (a laptop asleep at midnight) still charges the day the schedule meant; the charge itself is
 * date-driven and catches up missed days anyway.
 */
import { DateTime } from 'luxon';
import { WORKERS } from '../shared/workers';
import { logger } from '../shared/logger';
import { lambdaContext, loadHandler } from './lambda';

/**
 * What the fan-out handler receives (functions/billing/fan-out-days.ts): `scheduledTime` is what the
 * stack's schedule sends (`<aws.scheduler.scheduled-time>`); `date` is the day that time charges.
 */
export interface FanOutEvent { date?: string; scheduledTime?: string }

export type FanOutHandler = (event: FanOutEvent) => Promise<unknown>;

export interface ScheduledFire {
  /** Epoch ms of the fire instant. */
  at: number;
  /** The fire instant in the zone, ISO 8601 with offset (for logs). */
  local: string;
  /** The billing day charged by this fire: the day before the fire's local date. */
  date: string;
}

/**
 * The first fire strictly after `now`: the next `hour:minute` wall-clock time in `zone`. A wall time
 * that does not exist on a spring-forward day is moved forward by the gap, as Scheduler does.
 */
export function nextFireTime(now: number, zone: string, hour = 0, minute = 5): ScheduledFire {
  const local = DateTime.fromMillis(now, { zone });
  if (!local.isValid) throw new Error(`invalid time zone ${zone}`);
  let candidate: DateTime = local.set({ hour, minute, second: 0, millisecond: 0 });
  if (candidate.toMillis() <= now) {
    const next = local.plus({ days: 1 });
    candidate = DateTime.fromObject({ year: next.year, month: next.month, day: next.day, hour, minute }, { zone });
  }
  return { at: candidate.toMillis(), local: candidate.toISO()!, date: candidate.minus({ days: 1 }).toISODate()! };
}

export interface SchedulerOptions {
  /** The billing time zone (config().BILLING_TIME_ZONE). */
  timeZone: string;
  /** @default the fan-out handler (WORKERS.fanOut.entry), loaded lazily */
  handler?: FanOutHandler;
  /** @default Date.now */
  now?: () => number;
  /** @default 0 */
  hour?: number;
  /** @default 5 */
  minute?: number;
  /**
   * The longest single timer; the target is re-checked at each wake so a clock change or a suspended
   * machine cannot make the twin miss or double a night. @default 1 hour
   */
  maxSleepMs?: number;
  /** Called after each fire (tests). */
  onFire?: (fire: ScheduledFire, outcome: { ok: boolean; error?: string }) => void;
}

export interface Scheduler {
  /** The next planned fire. */
  readonly next: ScheduledFire;
  /** Runs the fan-out now for `date` (without one, the handler charges yesterday): tests, manual runs. */
  fire(date?: string): Promise<void>;
  stop(): Promise<void>;
}

/** Starts the daily schedule. Its timers are unref'd: the schedule alone never keeps a process alive. */
export function startScheduler(opts: SchedulerOptions): Scheduler {
  const now = opts.now ?? Date.now;
  const zone = opts.timeZone;
  const hour = opts.hour ?? 0;
  const minute = opts.minute ?? 5;
  const maxSleep = opts.maxSleepMs ?? 3_600_000;
  const handler = opts.handler ?? fanOutHandler;
  let next = nextFireTime(now(), zone, hour, minute);
  let timer: NodeJS.Timeout | undefined;
  let stopped = false;
  let running: Promise<void> = Promise.resolve();

  const run = async (fire: ScheduledFire, event: FanOutEvent = { scheduledTime: new Date(fire.at).toISOString().replace(/\.\d{3}Z$/, 'Z'), date: fire.date }): Promise<void> => {
    try {
      logger.info('scheduler: fan-out for the nightly charge', { date: event.date ?? '(yesterday)', firedAt: fire.local });
      await handler(event);
      opts.onFire?.(fire, { ok: true });
    } catch (e) {
      const error = e instanceof Error ? e.message : String(e);
      // Scheduler would retry and then dead-letter; here the next manual or nightly run catches up.
      logger.error('scheduler: fan-out failed', { date: fire.date, error });
      opts.onFire?.(fire, { ok: false, error });
    }
  };

  const arm = (): void => {
    if (stopped) return;
    const wait = Math.max(0, Math.min(next.at - now(), maxSleep));
    timer = setTimeout(() => {
      if (stopped) return;
      if (now() >= next.at) {
        const fire = next;
        next = nextFireTime(Math.max(now(), fire.at), zone, hour, minute);
        running = running.then(() => run(fire));
      }
      arm();
    }, wait);
    timer.unref();
  };
  arm();

  return {
    get next() { return next; },
    async fire(date?: string) {
      const at = now();
      const local = DateTime.fromMillis(at, { zone });
      const fire: ScheduledFire = { at, local: local.toISO()!, date: date ?? local.minus({ days: 1 }).toISODate()! };
      running = running.then(() => run(fire, date ? { date } : {}));
      await running;
    },
    async stop() {
      stopped = true;
      if (timer) clearTimeout(timer);
      await running;
    },
  };
}

async function fanOutHandler(event: FanOutEvent): Promise<unknown> {
  const handler = await loadHandler(WORKERS.fanOut.entry);
  return handler(event, lambdaContext(WORKERS.fanOut.name, 900_000));
}
