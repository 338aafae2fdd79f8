/**
 * SQS message attribute names shared by the processes that write and read the queues (ingest and
 * redrive write the work queue, the worker reads it; the worker writes the dead-letter queue, the
 * redrive and operators filter it), and by `local/`'s in-process queue.
 */
export const WORK_MESSAGE_ATTRIBUTES = {
  SOURCE: 'source',
  REQUEST_ID: 'requestId',
  SCHEMA_VERSION: 'schemaVersion',
  /** Set by a redrive on a held request it releases past the guard. */
  GUARD_RELEASE: 'guardRelease',
} as const;

/** The value of `guardRelease` that releases a request (any other value, or none, does not). */
export const GUARD_RELEASE_VALUE = 'true';

export const DEAD_LETTER_MESSAGE_ATTRIBUTES = {
  /** The record's `failure.kind`; redrive filters on it. */
  FAILURE_KIND: 'failureKind',
  SOURCE: 'source',
  REQUEST_ID: 'requestId',
} as const;
