import { type DynamoDBDocumentClient, UpdateCommand } from '@aws-sdk/lib-dynamodb';
import type { Clock, RateGuard } from '#core/ports/index.ts';

/**
 * Fixed-window guard counter shared by every worker container: one item per window in the
 * idempotency table (`id` = `guard#<window start>`, removed by its TTL `expiration`).
 */
export class DynamoDbRateGuard implements RateGuard {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
    private readonly max: number,
    private readonly windowSeconds: number,
    private readonly clock: Clock,
  ) {}

  async admit(): Promise<boolean> {
    const nowSeconds = Math.floor(this.clock.now().getTime() / 1000);
    const windowStart = nowSeconds - (nowSeconds % this.windowSeconds);
    const out = await this.client.send(
      new UpdateCommand({
        TableName: this.tableName,
        Key: { id: `guard#${windowStart}` },
        UpdateExpression:
          'ADD #count :one SET #expiration = if_not_exists(#expiration, :expiration)',
        ExpressionAttributeNames: { '#count': 'count', '#expiration': 'expiration' },
        ExpressionAttributeValues: {
          ':one': 1,
          ':expiration': windowStart + this.windowSeconds * 2,
        },
        ReturnValues: 'UPDATED_NEW',
      }),
    );
    return Number(out.Attributes?.count ?? 0) <= this.max;
  }
}
