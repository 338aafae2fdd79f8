import type { RemovalPolicy } from 'aws-cdk-lib';
import { AttributeType, BillingMode, Table, TableEncryption } from 'aws-cdk-lib/aws-dynamodb';
import { Construct } from 'constructs';

/**
 * Identity-store lookups. Each GSI is named after its partition-key attribute; the store writes
 * the lower-cased copies (`userNameLower`, `emailLower`) itself so lookups are case-insensitive.
 */
export const IDENTITY_INDEXES = ['userNameLower', 'externalId', 'emailLower', 'idpUserId'] as const;

/** Powertools idempotency layout: partition key `id`, TTL attribute `expiration`. */
export const IDEMPOTENCY_TTL_ATTRIBUTE = 'expiration';

export interface TablesProps {
  removalPolicy: RemovalPolicy;
  deletionProtection: boolean;
}

/** The identity store and the idempotency table: on-demand, KMS-encrypted, point-in-time recovery. */
export class Tables extends Construct {
  readonly identity: Table;
  readonly idempotency: Table;

  constructor(scope: Construct, id: string, props: TablesProps) {
    super(scope, id);
    const common = {
      partitionKey: { name: 'id', type: AttributeType.STRING },
      billingMode: BillingMode.PAY_PER_REQUEST,
      encryption: TableEncryption.AWS_MANAGED,
      pointInTimeRecoverySpecification: { pointInTimeRecoveryEnabled: true },
      deletionProtection: props.deletionProtection,
      removalPolicy: props.removalPolicy,
    };
    this.identity = new Table(this, 'Identity', common);
    for (const attribute of IDENTITY_INDEXES) {
      this.identity.addGlobalSecondaryIndex({
        indexName: attribute,
        partitionKey: { name: attribute, type: AttributeType.STRING },
      });
    }
    this.idempotency = new Table(this, 'Idempotency', {
      ...common,
      timeToLiveAttribute: IDEMPOTENCY_TTL_ATTRIBUTE,
    });
  }
}
