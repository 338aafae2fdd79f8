import {
  GetQueueAttributesCommand,
  ReceiveMessageCommand,
  SendMessageCommand,
} from '@aws-sdk/client-sqs';
import type { SQSRecord } from 'aws-lambda';
import { afterAll, describe, expect, it } from 'vitest';
import { SqsMessageDeferrer } from '#core/adapters/aws/sqs-message-deferrer.ts';
import { AwsTestResources } from './aws.ts';

const aws = new AwsTestResources('defer');
afterAll(() => aws.cleanup());

describe('SqsMessageDeferrer (THRESHOLD_EXCEEDED wait) against the AWS API', () => {
  it('keeps a received message invisible for the asked time, resolving the queue from the record ARN', async () => {
    const { sqs } = aws.clients;
    const queueUrl = await aws.queue();
    const { Attributes } = await sqs.send(
      new GetQueueAttributesCommand({ QueueUrl: queueUrl, AttributeNames: ['QueueArn'] }),
    );
    await sqs.send(new SendMessageCommand({ QueueUrl: queueUrl, MessageBody: '{}' }));
    const { Messages = [] } = await sqs.send(
      new ReceiveMessageCommand({ QueueUrl: queueUrl, VisibilityTimeout: 1, WaitTimeSeconds: 1 }),
    );
    const message = Messages[0];
    expect(message).toBeDefined();

    await new SqsMessageDeferrer(sqs).defer(
      {
        messageId: message?.MessageId ?? '',
        receiptHandle: message?.ReceiptHandle ?? '',
        eventSourceARN: Attributes?.QueueArn ?? '',
      } as SQSRecord,
      60,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));

    const again = await sqs.send(new ReceiveMessageCommand({ QueueUrl: queueUrl }));
    expect(again.Messages ?? []).toEqual([]);
  });
});
