import { translateAwsError } from '#core/adapters/aws/aws-errors.ts';
import { ConditionalCheckFailedException } from '#core/adapters/aws/sdk/client-dynamodb.ts';
import { type DynamoDBDocumentClient, UpdateCommand } from '#core/adapters/aws/sdk/lib-dynamodb.ts';
import { IDEMPOTENCY_TABLE } from '#core/contract/tables.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { RateGuard } from '#core/ports/rate-guard.ts';

/**
 * Fixed-window guard shared by every worker container: one item per window in the idempotency
 * table (`id` = `guard#<window start>`, removed by its TTL `expiration`) holding the set of
 * admitted request ids. A conditional update admits an id while the set has room, and admits an
 * id already in it again (a retry), so every receive is checked and nothing is counted twice.
 * @throws TransientError (throttled), PermanentError
 */
export class DynamoDbRateGuard implements RateGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly max: number,
    private readonly windowSeconds: number,
    private readonly clock: Clock,
  ) {}

  async admit(requestId: string): Promise<boolean> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % this.windowSeconds);
    try {
      await this.client.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: {
            [IDEMPOTENCY_TABLE.partitionKey]: `${IDEMPOTENCY_TABLE.guard.keyPrefix}${windowStart}`,
          },
          UpdateExpression:
            'ADD #ids :idSet SET #expiration = if_not_exists(#expiration, :expiration)',
          ConditionExpression:
            'attribute_not_exists(#ids) OR size(#ids) < :max OR contains(#ids, :id)',
          ExpressionAttributeNames: {
            '#ids': IDEMPOTENCY_TABLE.guard.requestIdsAttribute,
            '#expiration': IDEMPOTENCY_TABLE.ttlAttribute,
          },
          ExpressionAttributeValues: {
            ':idSet': new Set([requestId]),
            ':id': requestId,
            ':max': this.max,
            ':expiration': windowStart + this.windowSeconds * 2,
          },
        }),
      );
      return true;
    } catch (error) {
      if (error instanceof ConditionalCheckFailedException) return false;
      throw translateAwsError(error, 'Rate guard update');
    }
  }
}
