import { awsErrorName, translateAwsError } from '#core/adapters/aws/aws-errors.ts';
import { toItem } from '#core/adapters/aws/dynamodb-identity-store.ts';
import type { DynamoDBDocumentClient } from '#core/adapters/aws/sdk/lib-dynamodb.ts';
import { IDENTITY_TABLE } from '#core/contract/tables.ts';
import type { IdentityLinkWriter, IdentityRecord } from '#core/ports/identity-store.ts';

/** Command classes load on first use (the worker writes links only after a directory match). */
const commands = () => import('#core/adapters/aws/sdk/lib-dynamodb.ts');

const PK = IDENTITY_TABLE.partitionKey;

/**
 * The worker's link write-back on the identity table (the contract's IDENTITY_TABLE layout):
 * a conditional PutItem for a new record and a version-conditional UpdateItem that sets only the
 * links. A refused condition is `false`; other SDK errors are translated.
 * @throws TransientError, PermanentError
 */
export class DynamoDbIdentityLinks implements IdentityLinkWriter {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  /** PutItem with `attribute_not_exists(id)`: false when a record with that id exists. */
  async create(record: IdentityRecord): Promise<boolean> {
    const { PutCommand } = await commands();
    return this.conditional('Put', (c) =>
      c.send(
        new PutCommand({
          TableName: this.tableName,
          Item: toItem(record),
          ConditionExpression: 'attribute_not_exists(#pk)',
          ExpressionAttributeNames: { '#pk': PK },
        }),
      ),
    );
  }

  /**
   * UpdateItem that SETs only `helpCenterUserIds`, `version` and `updatedAt`, on the condition that
   * the record exists with `version = expectedVersion`. Never writes `active` or any SCIM field.
   */
  async linkHelpCenterUsers(
    id: string,
    helpCenterUserIds: Readonly<Record<string, string>>,
    options: { expectedVersion: number; updatedAt: string },
  ): Promise<boolean> {
    const { UpdateCommand } = await commands();
    return this.conditional('Update', (c) =>
      c.send(
        new UpdateCommand({
          TableName: this.tableName,
          Key: { [PK]: id },
          UpdateExpression: 'SET #links = :links, #version = :next, #updatedAt = :updatedAt',
          ConditionExpression: 'attribute_exists(#pk) AND #version = :expected',
          ExpressionAttributeNames: {
            '#pk': PK,
            '#links': 'helpCenterUserIds',
            '#version': 'version',
            '#updatedAt': 'updatedAt',
          },
          ExpressionAttributeValues: {
            ':links': { ...helpCenterUserIds },
            ':next': options.expectedVersion + 1,
            ':expected': options.expectedVersion,
            ':updatedAt': options.updatedAt,
          },
        }),
      ),
    );
  }

  /** A conditional write: true when written, false when DynamoDB refused it on its condition. */
  private async conditional(
    operation: string,
    send: (client: DynamoDBDocumentClient) => Promise<unknown>,
  ): Promise<boolean> {
    try {
      await send(this.client);
      return true;
    } catch (error) {
      if (awsErrorName(error) === 'ConditionalCheckFailedException') return false;
      throw translateAwsError(error, `Identity store ${operation}`);
    }
  }
}
