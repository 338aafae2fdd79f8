import { type AppError, isAppError, PermanentError, TransientError } from '#core/domain/errors.ts';

/**
 * Error names the AWS SDK v3 raises when a service is busy or briefly failing: DynamoDB's
 * throttles and 500 (https://docs.aws.amazon.com/amazondynamodb/latest/developerguide/Programming.Errors.html),
 * and the generic throttling names the SDK's own retry strategy treats as throttles.
 */
const TRANSIENT_AWS_ERRORS = new Set([
  'ProvisionedThroughputExceededException',
  'ThrottlingException',
  'Throttling',
  'ThrottledException',
  'RequestLimitExceeded',
  'RequestThrottled',
  'RequestThrottledException',
  'TooManyRequestsException',
  'LimitExceededException',
  'TransactionInProgressException',
  'InternalServerError',
  'InternalFailure',
  'ServiceUnavailable',
  'ServiceUnavailableException',
  'TimeoutError',
  'AbortError',
]);

/** Node network failures: the request may not have reached AWS at all. */
const NETWORK_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ETIMEDOUT',
  'EPIPE',
  'ENOTFOUND',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/** Client faults that mean the deployment is wrong (missing resource, permission, credentials). */
const CONFIG_AWS_ERRORS = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'UnrecognizedClientException',
  'InvalidSignatureException',
  'MissingAuthenticationTokenException',
  'QueueDoesNotExist',
  'AWS.SimpleQueueService.NonExistentQueue',
]);

interface SdkErrorShape {
  name?: unknown;
  code?: unknown;
  $fault?: unknown;
  $retryable?: unknown;
}

/** The SDK error's name (or Node's error code for a network failure). */
export function awsErrorName(error: unknown): string {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  if (typeof shape.code === 'string' && NETWORK_CODES.has(shape.code)) return shape.code;
  return typeof shape.name === 'string' && shape.name !== '' ? shape.name : 'UnknownError';
}

/**
 * Whether an AWS SDK error may pass on retry: a throttle, a server fault, a timeout or a network
 * failure. Anything else (a client fault) will fail the same way again.
 */
export function isTransientAwsError(error: unknown): boolean {
  const shape = (typeof error === 'object' && error !== null ? error : {}) as SdkErrorShape;
  const name = awsErrorName(error);
  return (
    TRANSIENT_AWS_ERRORS.has(name) ||
    NETWORK_CODES.has(name) ||
    shape.$retryable !== undefined ||
    shape.$fault === 'server'
  );
}

/**
 * Translates an AWS SDK error into the `AppError` hierarchy: transient failures become a
 * retryable TransientError (503 on HTTP paths), client faults a PermanentError (`config` when the
 * deployment is wrong). `what` names the operation; the message never holds request data.
 */
export function translateAwsError(error: unknown, what: string): AppError {
  if (isAppError(error)) return error;
  const name = awsErrorName(error);
  const message = `${what} failed: ${name}`;
  if (isTransientAwsError(error)) {
    return new TransientError(message, { cause: error, errorCode: name });
  }
  return new PermanentError(message, CONFIG_AWS_ERRORS.has(name) ? 'config' : 'permanent', {
    cause: error,
    errorCode: name,
    ...(CONFIG_AWS_ERRORS.has(name)
      ? { hint: 'check the resource names in the environment and the function role' }
      : {}),
  });
}
