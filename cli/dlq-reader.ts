import { readFile } from 'node:fs/promises';
import {
  ChangeMessageVisibilityBatchCommand,
  ReceiveMessageCommand,
  type SQSClient,
} from '@aws-sdk/client-sqs';
import { type DeadLetterRecord, DeadLetterRecordSchema } from '#core/domain/dead-letter.ts';
import {
  type DeprovisionRequest,
  DeprovisionRequestSchema,
} from '#core/domain/deprovision-request.ts';

/** One message of the dead-letter queue, read for display. */
export interface DlqEntry {
  /** SQS message id, or the line number in the DLQ file. */
  id: string;
  /** The enriched record, when the message is one. */
  record?: DeadLetterRecord;
  /** The request: the record's, or the raw work message SQS's redrive policy moved. */
  request?: DeprovisionRequest;
  /** Failure kind (`transient` for a raw work message, as the redrive counts it). */
  kind: string;
  /** When it was dead-lettered, as well as can be told. */
  deadLetteredAt?: string;
  /** Neither a record nor a request (shown, never redriven). */
  unreadable?: boolean;
}

/** Reads every dead-letter message without consuming it or hiding it from other readers for long. */
export interface DlqReader {
  peek(): Promise<DlqEntry[]>;
}

export function toEntry(id: string, body: string, sentAt?: string): DlqEntry {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return { id, kind: 'unreadable', unreadable: true };
  }
  const record = DeadLetterRecordSchema.safeParse(json);
  if (record.success) {
    return {
      id,
      record: record.data,
      request: record.data.request,
      kind: record.data.failure.kind,
      deadLetteredAt: record.data.lastAttemptAt,
    };
  }
  const request = DeprovisionRequestSchema.safeParse(json);
  if (request.success) {
    return {
      id,
      request: request.data,
      kind: 'transient',
      deadLetteredAt: sentAt ?? request.data.receivedAt,
    };
  }
  return { id, kind: 'unreadable', unreadable: true };
}

/** The local runner's JSON-lines DLQ file: reading it changes nothing. */
export class FileDlqReader implements DlqReader {
  constructor(readonly path: string) {}

  async peek(): Promise<DlqEntry[]> {
    let text: string;
    try {
      text = await readFile(this.path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
    return text
      .split('\n')
      .map((line, index) => ({ line, index }))
      .filter(({ line }) => line.trim() !== '')
      .map(({ line, index }) => toEntry(`line ${index + 1}`, line));
  }
}

/**
 * The SQS DLQ: receives every message (briefly invisible while the listing runs), then makes each
 * visible again at once with ChangeMessageVisibility 0, so nothing is consumed or held back.
 */
export class SqsDlqReader implements DlqReader {
  constructor(
    private readonly client: SQSClient,
    private readonly queueUrl: string,
  ) {}

  async peek(): Promise<DlqEntry[]> {
    const entries = new Map<string, DlqEntry>();
    const handles: Array<{ id: string; handle: string }> = [];
    try {
      let empties = 0;
      while (empties < 2) {
        const out = await this.client.send(
          new ReceiveMessageCommand({
            QueueUrl: this.queueUrl,
            MaxNumberOfMessages: 10,
            VisibilityTimeout: 60,
            WaitTimeSeconds: empties === 0 ? 0 : 1,
            MessageAttributeNames: ['All'],
            MessageSystemAttributeNames: ['SentTimestamp'],
          }),
        );
        const messages = out.Messages ?? [];
        const fresh = messages.filter((m) => m.MessageId && !entries.has(m.MessageId));
        for (const m of messages) {
          if (m.MessageId && m.ReceiptHandle)
            handles.push({ id: m.MessageId, handle: m.ReceiptHandle });
        }
        if (fresh.length === 0) {
          empties += 1;
          continue;
        }
        empties = 0;
        for (const m of fresh) {
          const sent = m.Attributes?.SentTimestamp;
          const sentAt = sent ? new Date(Number(sent)).toISOString() : undefined;
          entries.set(m.MessageId!, toEntry(m.MessageId!, m.Body ?? '', sentAt));
        }
      }
    } finally {
      await this.release(handles);
    }
    return [...entries.values()];
  }

  private async release(handles: ReadonlyArray<{ id: string; handle: string }>): Promise<void> {
    for (let i = 0; i < handles.length; i += 10) {
      const batch = handles.slice(i, i + 10);
      await this.client.send(
        new ChangeMessageVisibilityBatchCommand({
          QueueUrl: this.queueUrl,
          Entries: batch.map((h, n) => ({
            Id: `m${n}`,
            ReceiptHandle: h.handle,
            VisibilityTimeout: 0,
          })),
        }),
      );
    }
  }
}
