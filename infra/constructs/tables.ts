import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';
import { IDEMPOTENCY_TABLE, IDENTITY_TABLE } from '../../functions/core/contract/tables.ts';

/** The identity table's GSI names (the contract's; the adapter queries the same). */
export const IDENTITY_INDEX_NAMES: readonly string[] = Object.values(IDENTITY_TABLE.indexes).map(
  (i) => i.indexName,
);

export interface TablesProps {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

/**
 * The identity store and the idempotency table in the contract's layouts (`IDENTITY_TABLE`,
 * `IDEMPOTENCY_TABLE`): on-demand, KMS-encrypted, point-in-time recovery.
 */
export class Tables extends Construct {
  readonly identity: Table;
  readonly idempotency: Table;

  constructor(scope: Construct, id: string, props: TablesProps) {
    super(scope, id);
    const common = {
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    };
    this.identity = new Table(this, 'Identity', {
      ...common,
      partitionKey: { name: IDENTITY_TABLE.partitionKey, type: AttributeType.STRING },
    });
    for (const { indexName, attribute } of Object.values(IDENTITY_TABLE.indexes)) {
      this.identity.addGlobalSecondaryIndex({
        indexName,
        partitionKey: { name: attribute, type: AttributeType.STRING },
      });
    }
    this.idempotency = new Table(this, 'Idempotency', {
      ...common,
      partitionKey: { name: IDEMPOTENCY_TABLE.partitionKey, type: AttributeType.STRING },
      timeToLiveAttribute: IDEMPOTENCY_TABLE.ttlAttribute,
    });
  }
}
