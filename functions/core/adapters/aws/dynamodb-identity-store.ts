import {
  DeleteCommand,
  type DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
} from '@aws-sdk/lib-dynamodb';
import { translateAwsError } from '#core/adapters/aws/aws-errors.ts';
import type {
  IdentityLookupKey,
  IdentityRecord,
  IdentityStore,
} from '#core/ports/identity-store.ts';

/** GSI per lookup key: its partition attribute (lower-cased where lookups are case-insensitive). */
export const IDENTITY_INDEXES: Record<IdentityLookupKey, { indexName: string; attribute: string }> =
  {
    userName: { indexName: 'userNameLower-index', attribute: 'userNameLower' },
    email: { indexName: 'emailLower-index', attribute: 'emailLower' },
    externalId: { indexName: 'externalId-index', attribute: 'externalId' },
    idpUserId: { indexName: 'idpUserId-index', attribute: 'idpUserId' },
  };

type Item = IdentityRecord & { userNameLower?: string; emailLower?: string };

function toItem(record: IdentityRecord): Item {
  return {
    ...record,
    ...(record.userName ? { userNameLower: record.userName.toLowerCase() } : {}),
    ...(record.email ? { emailLower: record.email.toLowerCase() } : {}),
  };
}

function fromItem(item: Record<string, unknown>): IdentityRecord {
  const { userNameLower: _u, emailLower: _e, ...record } = item as unknown as Item;
  return record;
}

/**
 * Identity store on DynamoDB: pk `id`, one GSI per lookup key (see IDENTITY_INDEXES). SDK errors
 * are translated (a throttle is a TransientError). @throws TransientError, PermanentError
 */
export class DynamoDbIdentityStore implements IdentityStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<IdentityRecord | undefined> {
    const out = await this.call('Get', (c) =>
      c.send(new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true })),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async findBy(key: IdentityLookupKey, value: string): Promise<IdentityRecord[]> {
    const { indexName, attribute } = IDENTITY_INDEXES[key];
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
    await this.call('Put', (c) =>
      c.send(new PutCommand({ TableName: this.tableName, Item: toItem(record) })),
    );
  }

  async delete(id: string): Promise<void> {
    await this.call('Delete', (c) =>
      c.send(new DeleteCommand({ TableName: this.tableName, Key: { id } })),
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
