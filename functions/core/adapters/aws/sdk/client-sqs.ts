import type * as Sdk from '@aws-sdk/client-sqs';
import { requireSdk } from '#core/adapters/aws/require-sdk.ts';

/** `@aws-sdk/client-sqs` through `require` (see require-sdk.ts). */
const sdk: typeof Sdk = requireSdk('@aws-sdk/client-sqs');

export const {
  ChangeMessageVisibilityCommand,
  DeleteMessageCommand,
  GetQueueUrlCommand,
  ReceiveMessageCommand,
  SendMessageBatchCommand,
  SendMessageCommand,
  SQSClient,
} = sdk;
export type SQSClient = Sdk.SQSClient;
export type SendMessageBatchRequestEntry = Sdk.SendMessageBatchRequestEntry;
