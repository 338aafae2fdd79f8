/**
 * SQS message attributes on work-queue and dead-letter messages (DESIGN "Failure classes"):
 * operators filter the DLQ by `failureKind` and `source`; a redriven `held` record carries
 * `guardRelease` past the guard.
 */
export const MESSAGE_ATTRIBUTE = {
  SOURCE: 'source',
  REQUEST_ID: 'requestId',
  /** `DeprovisionRequest.schemaVersion` (a Number attribute). */
  SCHEMA_VERSION: 'schemaVersion',
  FAILURE_KIND: 'failureKind',
  GUARD_RELEASE: 'guardRelease',
} as const;

/** Value of `guardRelease` on a released message. */
export const GUARD_RELEASE_VALUE = 'true';
