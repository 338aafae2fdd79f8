import { translateAwsError } from '#core/adapters/aws/aws-errors.ts';
import { ConditionalCheckFailedException } from '#core/adapters/aws/sdk/client-dynamodb.ts';
import {
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
} from '#core/adapters/aws/sdk/lib-dynamodb.ts';
import { IDEMPOTENCY_TABLE } from '#core/contract/tables.ts';
import type {
  DeltaLinkState,
  GraphStateStore,
  SubscriptionState,
} from '#core/ports/graph-state-store.ts';

const KEY = IDEMPOTENCY_TABLE.partitionKey;

/**
 * Graph bookkeeping in the idempotency table (`IDEMPOTENCY_TABLE.graph` keys, no TTL). The delta
 * link advances with a conditional put on `version`, so of two rounds that started from the same
 * link only one stores its result. @throws TransientError (throttled), PermanentError
 */
export class DynamoDbGraphStateStore implements GraphStateStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async readDelta(): Promise<DeltaLinkState> {
    const item = await this.get(IDEMPOTENCY_TABLE.graph.deltaKey, 'Graph delta link read');
    const version = typeof item?.version === 'number' ? item.version : 0;
    return {
      version,
      ...(typeof item?.deltaLink === 'string' ? { deltaLink: item.deltaLink } : {}),
      ...(typeof item?.resyncedAt === 'string' ? { resyncedAt: item.resyncedAt } : {}),
    };
  }

  async advanceDelta(
    expectedVersion: number,
    next: { deltaLink: string; resyncedAt: string },
  ): Promise<boolean> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: {
            [KEY]: IDEMPOTENCY_TABLE.graph.deltaKey,
            deltaLink: next.deltaLink,
            resyncedAt: next.resyncedAt,
            version: expectedVersion + 1,
          },
          // Version 0 is "never written": the item may not exist yet. (DynamoDB refuses unused
          // expression names, so each condition names only what it uses.)
          ...(expectedVersion === 0
            ? {
                ConditionExpression: 'attribute_not_exists(#id) OR #version = :expected',
                ExpressionAttributeNames: { '#id': KEY, '#version': 'version' },
              }
            : {
                ConditionExpression: '#version = :expected',
                ExpressionAttributeNames: { '#version': 'version' },
              }),
          ExpressionAttributeValues: { ':expected': expectedVersion },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw translateAwsError(error, 'Graph delta link write');
    }
  }

  async readSubscription(): Promise<SubscriptionState | undefined> {
    const item = await this.get(IDEMPOTENCY_TABLE.graph.subscriptionKey, 'Graph subscription read');
    if (
      typeof item?.subscriptionId !== 'string' ||
      typeof item.expirationDateTime !== 'string' ||
      typeof item.checkedAt !== 'string'
    ) {
      return undefined;
    }
    return {
      subscriptionId: item.subscriptionId,
      action: typeof item.action === 'string' ? item.action : 'unknown',
      expirationDateTime: item.expirationDateTime,
      checkedAt: item.checkedAt,
    };
  }

  async writeSubscription(state: SubscriptionState): Promise<void> {
    try {
      await this.client.send(
        new PutCommand({
          TableName: this.tableName,
          Item: { [KEY]: IDEMPOTENCY_TABLE.graph.subscriptionKey, ...state },
        }),
      );
    } catch (error) {
      throw translateAwsError(error, 'Graph subscription write');
    }
  }

  private async get(id: string, what: string): Promise<Record<string, unknown> | undefined> {
    try {
      const out = await this.client.send(
        new GetCommand({ TableName: this.tableName, Key: { [KEY]: id }, ConsistentRead: true }),
      );
      return out.Item;
    } catch (error) {
      throw translateAwsError(error, what);
    }
  }
}
