import { translateAwsError } from '#core/adapters/aws/aws-errors.ts';
import type { DynamoDBDocumentClient } from '#core/adapters/aws/sdk/lib-dynamodb.ts';
import { IDENTITY_TABLE } from '#core/contract/tables.ts';
import type {
  IdentityLookupKey,
  IdentityRecord,
  IdentityStore,
} from '#core/ports/identity-store.ts';

/** Command classes load on first use: the ingest function reaches DynamoDB only on SCIM routes. */
const commands = () => import('#core/adapters/aws/sdk/lib-dynamodb.ts');

/** GSI per lookup key and its partition attribute: the contract's, which the stack also creates. */
const INDEXES: Record<IdentityLookupKey, { indexName: string; attribute: string }> =
  IDENTITY_TABLE.indexes;
const USER_NAME_LOWER = IDENTITY_TABLE.indexes.userName.attribute;
const EMAIL_LOWER = IDENTITY_TABLE.indexes.email.attribute;
const PK = IDENTITY_TABLE.partitionKey;

/** Lower-cased copies the case-insensitive indexes key on; written on put, dropped on read. */
export function toItem(record: IdentityRecord): Record<string, unknown> {
  return {
    ...record,
    ...(record.userName ? { [USER_NAME_LOWER]: record.userName.toLowerCase() } : {}),
    ...(record.email ? { [EMAIL_LOWER]: record.email.toLowerCase() } : {}),
  };
}

function fromItem(item: Record<string, unknown>): IdentityRecord {
  const { [USER_NAME_LOWER]: _u, [EMAIL_LOWER]: _e, ...record } = item;
  return record as unknown as IdentityRecord;
}

/**
 * Identity store on DynamoDB: the contract's IDENTITY_TABLE layout, one GSI per lookup key. SDK
 * errors are translated (a throttle is a TransientError). @throws TransientError, PermanentError
 */
export class DynamoDbIdentityStore implements IdentityStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<IdentityRecord | undefined> {
    const { GetCommand } = await commands();
    const out = await this.call('Get', (c) =>
      c.send(
        new GetCommand({ TableName: this.tableName, Key: { [PK]: id }, ConsistentRead: true }),
      ),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async findBy(key: IdentityLookupKey, value: string): Promise<IdentityRecord[]> {
    const { QueryCommand } = await commands();
    const { indexName, attribute } = INDEXES[key];
    const wanted = key === 'userName' || key === 'email' ? value.toLowerCase() : value;
    const records: IdentityRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call('Query', (c) =>
        c.send(
          new QueryCommand({
            TableName: this.tableName,
            IndexName: indexName,
            KeyConditionExpression: '#k = :v',
            ExpressionAttributeNames: { '#k': attribute },
            ExpressionAttributeValues: { ':v': wanted },
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      records.push(...(out.Items ?? []).map(fromItem));
      start = out.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(record: IdentityRecord): Promise<void> {
    const { PutCommand } = await commands();
    await this.call('Put', (c) =>
      c.send(new PutCommand({ TableName: this.tableName, Item: toItem(record) })),
    );
  }

  async delete(id: string): Promise<void> {
    const { DeleteCommand } = await commands();
    await this.call('Delete', (c) =>
      c.send(new DeleteCommand({ TableName: this.tableName, Key: { [PK]: id } })),
    );
  }

  /** Sends one command, translating SDK errors into the AppError hierarchy. */
  private async call<T>(operation: string, send: (client: DynamoDBDocumentClient) => Promise<T>) {
    try {
      return await send(this.client);
    } catch (error) {
      throw translateAwsError(error, `Identity store ${operation}`);
    }
  }

  /** Scans the whole table (SCIM list without a filter is rare: IdPs filter by userName). */
  async list(options: { startIndex: number; count: number }) {
    const { ScanCommand } = await commands();
    const all: IdentityRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.call('Scan', (c) =>
        c.send(
          new ScanCommand({
            TableName: this.tableName,
            ...(start ? { ExclusiveStartKey: start } : {}),
          }),
        ),
      );
      all.push(...(out.Items ?? []).map(fromItem));
      start = out.LastEvaluatedKey;
    } while (start);
    all.sort((a, b) => a.id.localeCompare(b.id));
    const from = Math.max(0, options.startIndex - 1);
    return { total: all.length, records: all.slice(from, from + Math.max(0, options.count)) };
  }
}
