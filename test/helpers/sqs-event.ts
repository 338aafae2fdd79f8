import type { SQSEvent, SQSRecord } from 'aws-lambda';

/** Builds an SQS record the way the Lambda event source mapping delivers it. */
export function sqsRecord(
  body: unknown,
  options: { messageId?: string; receiveCount?: number; attributes?: Record<string, string> } = {},
): SQSRecord {
  const messageAttributes: SQSRecord['messageAttributes'] = {};
  for (const [name, value] of Object.entries(options.attributes ?? {})) {
    messageAttributes[name] = {
      dataType: 'String',
      stringValue: value,
      stringListValues: [],
      binaryListValues: [],
    };
  }
  return {
    messageId: options.messageId ?? `msg-${Math.random().toString(36).slice(2)}`,
    receiptHandle: 'handle',
    body: typeof body === 'string' ? body : JSON.stringify(body),
    attributes: {
      ApproximateReceiveCount: String(options.receiveCount ?? 1),
      SentTimestamp: '1763632800000',
      SenderId: 'AIDAEXAMPLE',
      ApproximateFirstReceiveTimestamp: '1763632800100',
    },
    messageAttributes,
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:123456789012:work',
    awsRegion: 'us-east-1',
  };
}

export function sqsEvent(records: SQSRecord[]): SQSEvent {
  return { Records: records };
}
