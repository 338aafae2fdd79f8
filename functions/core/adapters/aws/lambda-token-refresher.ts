import { isTransientAwsError } from '#core/adapters/aws/aws-errors.ts';
import type { InvokeCommandOutput, LambdaClient } from '#core/adapters/aws/sdk/client-lambda.ts';
import { PermanentError, TransientError } from '#core/domain/errors.ts';
import type { TokenRefresher } from '#core/ports/token-source.ts';
import { parseRefresherFailure } from '#core/tokens/refresher-failure.ts';
import type { RefresherEvent } from '#core/tokens/refresher-handler.ts';
import { tokenFingerprint } from '#core/tokens/token-secret.ts';

/** Invoke failures that mean "busy or briefly unavailable", not "broken". */
const TRANSIENT_INVOKE_ERRORS = new Set([
  'TooManyRequestsException',
  'ServiceException',
  'ResourceNotReadyException',
  'ResourceConflictException',
  'EC2ThrottledException',
  'SnapStartNotReadyException',
  'TimeoutError',
]);

/**
 * Asks the token-refresher Lambda (reserved concurrency 1) to mint, synchronously. Its payload
 * is `{rejectedTokenSha256?}`. A throttled invoke (another container is already refreshing) is a
 * TransientError so the reader re-reads the shared token instead of failing.
 */
export class LambdaTokenRefresher implements TokenRefresher {
  constructor(
    private readonly client: LambdaClient,
    private readonly functionName: string,
  ) {}

  async requestRefresh(input: { rejectedToken?: string }): Promise<void> {
    // The refresher only needs to recognise the token: send its fingerprint, never the token.
    const payload: RefresherEvent =
      input.rejectedToken === undefined
        ? {}
        : { rejectedTokenSha256: tokenFingerprint(input.rejectedToken) };
    // Loaded on first use: a worker only invokes the refresher when a token is rejected or missing.
    const { InvokeCommand } = await import('#core/adapters/aws/sdk/client-lambda.ts');
    let out: InvokeCommandOutput;
    try {
      out = await this.client.send(
        new InvokeCommand({
          FunctionName: this.functionName,
          InvocationType: 'RequestResponse',
          Payload: new TextEncoder().encode(JSON.stringify(payload)),
        }),
      );
    } catch (error) {
      const name = error instanceof Error ? error.name : 'UnknownError';
      const message = `Could not invoke the token refresher (${name})`;
      const fault = (error as { $fault?: unknown } | undefined)?.$fault;
      if (TRANSIENT_INVOKE_ERRORS.has(name) || fault !== 'client' || isTransientAwsError(error)) {
        throw new TransientError(message, { cause: error, errorCode: name });
      }
      throw new PermanentError(message, 'config', {
        cause: error,
        errorCode: name,
        hint: "check TOKEN_REFRESHER_FUNCTION_NAME and the worker role's lambda:InvokeFunction permission",
      });
    }
    if (out.FunctionError) throw functionError(out.Payload);
  }
}

/**
 * The refresher threw: Lambda reports `{errorType, errorMessage}`, and the refresher's message is a
 * typed failure (see refresher-failure). It is classified by its `retryable` and `kind` fields; a
 * message that is not one (a crash, a timeout) is an unknown failure, transient by the one policy.
 */
function functionError(payload: Uint8Array | undefined): Error {
  let reported: Record<string, unknown> = {};
  try {
    const parsed: unknown = JSON.parse(new TextDecoder().decode(payload));
    if (typeof parsed === 'object' && parsed !== null) reported = parsed as Record<string, unknown>;
  } catch {
    // An unreadable payload is an unknown failure.
  }
  const failure = parseRefresherFailure(reported.errorMessage);
  if (failure === undefined) {
    const errorType = typeof reported.errorType === 'string' ? reported.errorType : 'Unhandled';
    return new TransientError(`Token refresher failed: ${errorType}`, { errorCode: errorType });
  }
  const message = `Token refresher failed: ${failure.message}`;
  const errorCode = failure.errorCode !== undefined ? { errorCode: failure.errorCode } : {};
  return failure.retryable
    ? new TransientError(message, errorCode)
    : new PermanentError(message, failure.kind, {
        ...errorCode,
        hint:
          failure.hint ??
          'the token refresher cannot mint: see its logs; check the Zoho OAuth secret',
      });
}
