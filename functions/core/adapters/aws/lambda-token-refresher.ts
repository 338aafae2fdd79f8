import type { InvokeCommandOutput, LambdaClient } from '@aws-sdk/client-lambda';
import { PermanentError, TransientError } from '#core/domain/errors.ts';
import type { TokenRefresher } from '#core/ports/token-source.ts';
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
    const payload =
      input.rejectedToken === undefined
        ? {}
        : { rejectedTokenSha256: tokenFingerprint(input.rejectedToken) };
    // Loaded on first use: a worker only invokes the refresher when a token is rejected or missing.
    const { InvokeCommand } = await import('@aws-sdk/client-lambda');
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
      if (TRANSIENT_INVOKE_ERRORS.has(name) || fault !== 'client') {
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

/** The refresher threw: Lambda reports `{errorType, errorMessage}` (our messages hold no secrets). */
function functionError(payload: Uint8Array | undefined): Error {
  let errorType = 'Unhandled';
  let errorMessage = 'token refresher failed';
  try {
    const parsed = JSON.parse(new TextDecoder().decode(payload)) as Record<string, unknown>;
    if (typeof parsed.errorType === 'string') errorType = parsed.errorType;
    if (typeof parsed.errorMessage === 'string') errorMessage = parsed.errorMessage.slice(0, 500);
  } catch {
    // An unreadable payload keeps the generic message.
  }
  const message = `Token refresher failed: ${errorType}: ${errorMessage}`;
  if (errorType === 'PermanentError' || errorType === 'ConfigError') {
    return new PermanentError(message, 'auth', {
      errorCode: errorType,
      hint: 'the token refresher cannot mint: see its logs; check the Zoho OAuth secret',
    });
  }
  return new TransientError(message, { errorCode: errorType });
}
