import type { DynamoDBDocumentClient } from '@aws-sdk/lib-dynamodb';
import type {
  IdentityLookupKey,
  IdentityRecord,
  IdentityStore,
} from '#core/ports/identity-store.ts';

/** Command classes load on first use: the ingest function reaches DynamoDB only on SCIM routes. */
const commands = () => import('@aws-sdk/lib-dynamodb');

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

/** Identity store on DynamoDB: pk `id`, one GSI per lookup key (see IDENTITY_INDEXES). */
export class DynamoDbIdentityStore implements IdentityStore {
  constructor(
    private readonly client: DynamoDBDocumentClient,
    private readonly tableName: string,
  ) {}

  async get(id: string): Promise<IdentityRecord | undefined> {
    const { GetCommand } = await commands();
    const out = await this.client.send(
      new GetCommand({ TableName: this.tableName, Key: { id }, ConsistentRead: true }),
    );
    return out.Item ? fromItem(out.Item) : undefined;
  }

  async findBy(key: IdentityLookupKey, value: string): Promise<IdentityRecord[]> {
    const { QueryCommand } = await commands();
    const { indexName, attribute } = IDENTITY_INDEXES[key];
    const wanted = key === 'userName' || key === 'email' ? value.toLowerCase() : value;
    const records: IdentityRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new QueryCommand({
          TableName: this.tableName,
          IndexName: indexName,
          KeyConditionExpression: '#k = :v',
          ExpressionAttributeNames: { '#k': attribute },
          ExpressionAttributeValues: { ':v': wanted },
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      records.push(...(out.Items ?? []).map(fromItem));
      start = out.LastEvaluatedKey;
    } while (start);
    return records.sort((a, b) => a.id.localeCompare(b.id));
  }

  async put(record: IdentityRecord): Promise<void> {
    const { PutCommand } = await commands();
    await this.client.send(new PutCommand({ TableName: this.tableName, Item: toItem(record) }));
  }

  async delete(id: string): Promise<void> {
    const { DeleteCommand } = await commands();
    await this.client.send(new DeleteCommand({ TableName: this.tableName, Key: { id } }));
  }

  /** Scans the whole table (SCIM list without a filter is rare: IdPs filter by userName). */
  async list(options: { startIndex: number; count: number }) {
    const { ScanCommand } = await commands();
    const all: IdentityRecord[] = [];
    let start: Record<string, unknown> | undefined;
    do {
      const out = await this.client.send(
        new ScanCommand({
          TableName: this.tableName,
          ...(start ? { ExclusiveStartKey: start } : {}),
        }),
      );
      all.push(...(out.Items ?? []).map(fromItem));
      start = out.LastEvaluatedKey;
    } while (start);
    all.sort((a, b) => a.id.localeCompare(b.id));
    const from = Math.max(0, options.startIndex - 1);
    return { total: all.length, records: all.slice(from, from + Math.max(0, options.count)) };
  }
}
