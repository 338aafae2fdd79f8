import type * as Sdk from '@aws-sdk/lib-dynamodb';
import { requireSdk } from '#core/adapters/aws/require-sdk.ts';

/** `@aws-sdk/lib-dynamodb` through `require` (see require-sdk.ts). */
const sdk: typeof Sdk = requireSdk('@aws-sdk/lib-dynamodb');

export const {
  DeleteCommand,
  DynamoDBDocumentClient,
  GetCommand,
  PutCommand,
  QueryCommand,
  ScanCommand,
  UpdateCommand,
} = sdk;
export type DynamoDBDocumentClient = Sdk.DynamoDBDocumentClient;
