import { Duration, Stack } from 'aws-cdk-lib';
import { Archive, EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

/** Name of the bus; downstream subscribers (notifications, CRM sync) match on it. */
export const EVENT_BUS_NAME = 'paygo';

/** Props of {@link PaygoEvents}. */
export interface PaygoEventsProps {
  /** @default Duration.days(90) — as long as the Events table keeps a project's events */
  readonly archiveRetention?: Duration;
}

/**
 * The `paygo` EventBridge bus that BalanceLow, ProjectBlocked, ProjectUnblocked and DayCharged are
 * published on. Publishers get `events:PutEvents` on this bus only (PaygoFunction.bindEventBus).
 * Every event published on it is archived, so a subscriber that was down can be sent them again
 * (`npm run ops -- replay-events`, docs/operations.md).
 */
export class PaygoEvents extends Construct {
  readonly bus: EventBus;
  readonly archive: Archive;

  constructor(scope: Construct, id: string, props: PaygoEventsProps = {}) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: EVENT_BUS_NAME,
      description: 'paygo domain events: BalanceLow, ProjectBlocked, ProjectUnblocked, DayCharged',
    });
    this.archive = this.bus.archive('Archive', {
      description: 'Every event published on the paygo bus, for replays to subscribers',
      // Everything paygo's functions publish (they run in this account); replays are filtered by time.
      eventPattern: { account: [Stack.of(this).account] },
      retention: props.archiveRetention ?? Duration.days(90),
    });
  }
}
