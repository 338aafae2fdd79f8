import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { LambdaTokenRefresher } from '#core/adapters/aws/lambda-token-refresher.ts';
import { PermanentError, SecretError, TransientError } from '#core/domain/errors.ts';
import { toRefresherFailure } from '#core/tokens/refresher-failure.ts';
import { tokenFingerprint } from '#core/tokens/token-secret.ts';

type Sent = { input: { FunctionName?: string; InvocationType?: string; Payload?: Uint8Array } };

function client(answer: (command: Sent) => Promise<unknown>) {
  const sent: Sent[] = [];
  const fake = {
    send: async (command: Sent) => {
      sent.push(command);
      return answer(command);
    },
  } as unknown as LambdaClient;
  return { fake, sent };
}

const awsError = (name: string, fault: 'client' | 'server') =>
  Object.assign(new Error(name), { name, $fault: fault });

const payload = (value: unknown) => new TextEncoder().encode(JSON.stringify(value));

describe('LambdaTokenRefresher', () => {
  it('invokes the refresher synchronously with the fingerprint of the rejected token, never the token', async () => {
    const { fake, sent } = client(async () => ({ StatusCode: 200, Payload: payload({}) }));
    await new LambdaTokenRefresher(fake, 'token-refresher').requestRefresh({
      rejectedToken: 'abc',
    });
    expect(sent).toHaveLength(1);
    const input = sent[0]!.input;
    expect(input.FunctionName).toBe('token-refresher');
    expect(input.InvocationType).toBe('RequestResponse');
    const sentPayload = new TextDecoder().decode(input.Payload);
    expect(JSON.parse(sentPayload)).toEqual({ rejectedTokenSha256: tokenFingerprint('abc') });
    expect(sentPayload).not.toContain('"abc"');
  });

  it('turns a throttled invoke into a TransientError', async () => {
    const { fake } = client(async () => {
      throw awsError('TooManyRequestsException', 'client');
    });
    await expect(
      new LambdaTokenRefresher(fake, 'token-refresher').requestRefresh({}),
    ).rejects.toMatchObject({ name: 'TransientError', errorCode: 'TooManyRequestsException' });
  });

  it('turns a missing function or permission into a permanent config error', async () => {
    const { fake } = client(async () => {
      throw awsError('AccessDeniedException', 'client');
    });
    await expect(
      new LambdaTokenRefresher(fake, 'token-refresher').requestRefresh({}),
    ).rejects.toMatchObject({ name: 'PermanentError', kind: 'config' });
  });

  const failing = (thrown: unknown) =>
    client(async () => {
      // What Lambda reports for a thrown error: its name and message only.
      const error = toRefresherFailure(thrown);
      return {
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payload({ errorType: error.name, errorMessage: error.message, trace: [] }),
      };
    }).fake;

  it('classifies a refresher failure by its typed kind and retryable fields', async () => {
    await expect(
      new LambdaTokenRefresher(
        failing(new PermanentError('Zoho token endpoint refused the refresh', 'auth')),
        'f',
      ).requestRefresh({}),
    ).rejects.toMatchObject({ name: 'PermanentError', kind: 'auth', retryable: false });
    await expect(
      new LambdaTokenRefresher(
        failing(new SecretError('Secret x is not valid JSON', false)),
        'f',
      ).requestRefresh({}),
    ).rejects.toMatchObject({ name: 'PermanentError', kind: 'config', retryable: false });
    await expect(
      new LambdaTokenRefresher(
        failing(new TransientError('token endpoint throttled', { errorCode: 'HTTP_429' })),
        'f',
      ).requestRefresh({}),
    ).rejects.toMatchObject({ name: 'TransientError', retryable: true, errorCode: 'HTTP_429' });
  });

  it('does not trust the reported error type: a class name alone is an unknown, transient failure', async () => {
    const { fake } = client(async () => ({
      StatusCode: 200,
      FunctionError: 'Unhandled',
      Payload: payload({ errorType: 'PermanentError', errorMessage: 'Task timed out' }),
    }));
    await expect(new LambdaTokenRefresher(fake, 'f').requestRefresh({})).rejects.toMatchObject({
      name: 'TransientError',
      retryable: true,
    });
  });
});
