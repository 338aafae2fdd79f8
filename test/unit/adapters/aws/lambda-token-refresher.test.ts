import type { LambdaClient } from '@aws-sdk/client-lambda';
import { describe, expect, it } from 'vitest';
import { LambdaTokenRefresher } from '#core/adapters/aws/lambda-token-refresher.ts';
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

  it('maps a function error by the error type the refresher threw', async () => {
    const failing = (errorType: string) =>
      client(async () => ({
        StatusCode: 200,
        FunctionError: 'Unhandled',
        Payload: payload({ errorType, errorMessage: 'Zoho token endpoint refused the refresh' }),
      })).fake;
    await expect(
      new LambdaTokenRefresher(failing('PermanentError'), 'f').requestRefresh({}),
    ).rejects.toMatchObject({ name: 'PermanentError', kind: 'auth' });
    await expect(
      new LambdaTokenRefresher(failing('TransientError'), 'f').requestRefresh({}),
    ).rejects.toMatchObject({ name: 'TransientError' });
  });
});
