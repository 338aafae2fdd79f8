import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';

/** Where requests go when they finally fail. Record shape: see `DeadLetterRecord`. */
export interface DeadLetterQueue {
  send(record: DeadLetterRecord): Promise<void>;
}

/** A message read from the dead-letter queue, for redrive. */
export interface DeadLetterMessage {
  id: string;
  body: string;
  attributes: Readonly<Record<string, string>>;
  /** When the message entered the queue (epoch ms), where the queue says (SQS `SentTimestamp`). */
  sentAt?: number;
}

/** Reads the dead-letter queue for redrive. */
export interface DeadLetterSource {
  /** Up to `max` messages, hidden from other readers until removed or released. */
  receive(max: number): Promise<DeadLetterMessage[]>;
  /** Deletes a message (only after it was sent back to the work queue). */
  remove(message: DeadLetterMessage): Promise<void>;
  /** Makes a message visible again (it did not match the redrive filter). */
  release(message: DeadLetterMessage): Promise<void>;
}
