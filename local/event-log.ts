/**
 * The twin's event bus: every event for the operator's bus (project events relayed from the outbox,
 * `payment.received`, `project.blocked`, ...; the reconciler's `ReconcileMismatch`) is written as one
 * JSON line instead of going to EventBridge, and the last few are kept for tests and debugging.
 */
import type { BusEvent, EventPublisher } from '../shared/runtime';

export type LoggedEvent = BusEvent & {
  /** ISO instant the twin received it. */
  at: string;
};

export interface EventLogOptions {
  /** How many recent events are kept. @default 1000 */
  keep?: number;
  /** Where each JSON line goes. @default process.stdout */
  write?: (line: string) => void;
}

/** An EventPublisher that logs and remembers. */
export class EventLog implements EventPublisher {
  private readonly events: LoggedEvent[] = [];
  private readonly keep: number;
  private readonly write: (line: string) => void;

  constructor(opts: EventLogOptions = {}) {
    this.keep = opts.keep ?? 1000;
    this.write = opts.write ?? ((line) => { process.stdout.write(`${line}\n`); });
  }

  async publish(events: BusEvent[]): Promise<void> {
    for (const e of events) {
      const logged = { ...e, at: new Date().toISOString() } as LoggedEvent;
      this.events.push(logged);
      this.write(JSON.stringify({ level: 'INFO', message: 'event', source: 'paygo', 'detail-type': e.type, detail: e.detail, timestamp: logged.at }));
    }
    if (this.events.length > this.keep) this.events.splice(0, this.events.length - this.keep);
  }

  /** The kept events, oldest first, optionally of one type. */
  recent(type?: string): LoggedEvent[] {
    return type ? this.events.filter((e) => e.type === type) : [...this.events];
  }

  clear(): void {
    this.events.length = 0;
  }
}
