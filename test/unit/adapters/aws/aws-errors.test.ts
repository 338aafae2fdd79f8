import { describe, expect, it } from 'vitest';
import { translateAwsError } from '#core/adapters/aws/aws-errors.ts';
import { classifyFailure, PermanentError, TransientError } from '#core/domain/errors.ts';

/** An error shaped the way AWS SDK v3 raises a service exception. */
const sdkError = (name: string, fault: 'client' | 'server', extra: object = {}) =>
  Object.assign(new Error(`${name} message`), { name, $fault: fault, $metadata: {}, ...extra });

describe('translateAwsError', () => {
  it.each([
    'ProvisionedThroughputExceededException',
    'ThrottlingException',
    'RequestLimitExceeded',
    'TooManyRequestsException',
  ])('makes the throttle %s a retryable TransientError (503 on HTTP paths)', (name) => {
    const error = translateAwsError(sdkError(name, 'client'), 'Identity store Query');
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({
      message: `Identity store Query failed: ${name}`,
      errorCode: name,
      retryable: true,
      kind: 'transient',
      statusCode: 503,
    });
  });

  it('makes a server fault (InternalServerError, any 5xx) transient', () => {
    expect(translateAwsError(sdkError('InternalServerError', 'server'), 'x')).toBeInstanceOf(
      TransientError,
    );
    expect(translateAwsError(sdkError('SomethingNew', 'server'), 'x')).toBeInstanceOf(
      TransientError,
    );
  });

  it('makes network failures transient, named by their code', () => {
    for (const code of ['ECONNRESET', 'ECONNREFUSED', 'ETIMEDOUT']) {
      const error = translateAwsError(Object.assign(new Error('socket'), { code }), 'x');
      expect(error).toMatchObject({ name: 'TransientError', errorCode: code });
    }
    expect(
      translateAwsError(Object.assign(new Error('t'), { name: 'TimeoutError' }), 'x'),
    ).toBeInstanceOf(TransientError);
  });

  it('makes an error the SDK marks retryable transient', () => {
    const error = sdkError('SomethingNew', 'client', { $retryable: { throttling: true } });
    expect(translateAwsError(error, 'x')).toBeInstanceOf(TransientError);
  });

  it('makes a missing resource or permission a permanent config failure with a hint', () => {
    for (const name of ['ResourceNotFoundException', 'AccessDeniedException']) {
      const error = translateAwsError(sdkError(name, 'client'), 'Rate guard update');
      expect(error).toBeInstanceOf(PermanentError);
      expect(error).toMatchObject({ kind: 'config', retryable: false, errorCode: name });
      expect(error.hint).toMatch(/role/);
    }
  });

  it('makes any other client fault permanent', () => {
    const error = translateAwsError(sdkError('ValidationException', 'client'), 'x');
    expect(classifyFailure(error)).toEqual({ kind: 'permanent', retryable: false });
  });

  it('keeps the SDK error as the cause, and passes an AppError through unchanged', () => {
    const cause = sdkError('ThrottlingException', 'client');
    expect(translateAwsError(cause, 'x').cause).toBe(cause);
    const already = new TransientError('already ours');
    expect(translateAwsError(already, 'x')).toBe(already);
  });
});
