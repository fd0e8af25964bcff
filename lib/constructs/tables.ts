import { RemovalPolicy } from 'aws-cdk-lib';
import { Attribute, AttributeType, BillingMode, StreamViewType, Table } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { TABLES, type KeyAttr, type TableDefinition, type TableKey } from '../../shared/tables';

/** A deployed table together with the shared definition it was built from (so binding can read `envVar`). */
export interface PaygoTable {
  readonly key: TableKey;
  readonly definition: TableDefinition;
  readonly table: Table;
}

const attribute = (attr: KeyAttr): Attribute => ({
  name: attr.name,
  type: attr.type === 'S' ? AttributeType.STRING : AttributeType.NUMBER,
});

/**
 * The stateful core: Projects, Ledger, Usage, Plans, Events and Webhooks, built from `TABLES` so the stack and the local twin
 * cannot disagree on keys. Every table keeps its data when the stack goes away (the ledger is the
 * money record), can be restored to any second of the last 35 days, and refuses a console delete.
 */
export class PaygoTables extends Construct {
  readonly projects: PaygoTable;
  readonly ledger: PaygoTable;
  readonly usage: PaygoTable;
  readonly plans: PaygoTable;
  readonly events: PaygoTable;
  readonly webhooks: PaygoTable;

  constructor(scope: Construct, id: string) {
    super(scope, id);
    this.projects = this.build('projects');
    this.ledger = this.build('ledger');
    this.usage = this.build('usage');
    this.plans = this.build('plans');
    this.events = this.build('events');
    this.webhooks = this.build('webhooks');
  }

  /** The table for a key of `TABLES` (what ROUTES and WORKERS name in their `tables`). */
  get(key: TableKey): PaygoTable {
    const byKey: Record<TableKey, PaygoTable> = { projects: this.projects, ledger: this.ledger, usage: this.usage, plans: this.plans, events: this.events, webhooks: this.webhooks };
    return byKey[key];
  }

  private build(key: TableKey): PaygoTable {
    const definition: TableDefinition = TABLES[key];
    // AWS::DynamoDB::Table, not TableV2's GlobalTable: one region, and stream, PITR and deletion
    // protection stay top-level properties the twin-agreement test reads directly.
    const table = new Table(this, definition.id, {
      partitionKey: attribute(definition.partitionKey),
      sortKey: definition.sortKey && attribute(definition.sortKey),
      billingMode: BillingMode.PAY_PER_REQUEST,
      stream: definition.stream === 'NEW_IMAGE' ? StreamViewType.NEW_IMAGE : undefined,
      timeToLiveAttribute: definition.ttlAttribute,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: true,
      removalPolicy: RemovalPolicy.RETAIN,
    });
    for (const gsi of definition.globalSecondaryIndexes) {
      table.addGlobalSecondaryIndex({
        indexName: gsi.indexName,
        partitionKey: attribute(gsi.partitionKey),
        sortKey: gsi.sortKey && attribute(gsi.sortKey),
      });
    }
    return { key, definition, table };
  }
}
