import { EventBus } from 'aws-cdk-lib/aws-events';
import { Construct } from 'constructs';

/** Name of the bus; downstream subscribers (notifications, CRM sync) match on it. */
export const EVENT_BUS_NAME = 'paygo';

/**
 * The `paygo` EventBridge bus that BalanceLow, ProjectBlocked, ProjectUnblocked and DayCharged are
 * published on. Publishers get `events:PutEvents` on this bus only (PaygoFunction.bindEventBus).
 */
export class PaygoEvents extends Construct {
  readonly bus: EventBus;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.bus = new EventBus(this, 'Bus', {
      eventBusName: EVENT_BUS_NAME,
      description: 'paygo domain events: BalanceLow, ProjectBlocked, ProjectUnblocked, DayCharged',
    });
  }
}
