import type * as Sdk from '@aws-sdk/client-dynamodb';
import { requireSdk } from '#core/adapters/aws/require-sdk.ts';

/** `@aws-sdk/client-dynamodb` through `require` (see require-sdk.ts); Powertools' names included. */
const sdk: typeof Sdk = requireSdk('@aws-sdk/client-dynamodb');

export const {
  ConditionalCheckFailedException,
  DeleteItemCommand,
  DynamoDBClient,
  GetItemCommand,
  PutItemCommand,
  UpdateItemCommand,
} = sdk;
export type DynamoDBClient = Sdk.DynamoDBClient;
