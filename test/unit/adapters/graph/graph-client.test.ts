import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '#core/domain/errors.ts';
import { type GraphStandin, startGraphStandin } from '../../../../local/graph-standin/server.ts';
import {
  DISABLED_USER_ID,
  ENABLED_USER_ID,
  GONE_USER_ID,
  graphClientFor,
} from '../../intake/graph/graph-helpers.ts';

const clock = { ms: Date.parse('2026-11-20T09:00:00.000Z') };
let standin: GraphStandin;

beforeAll(async () => {
  standin = await startGraphStandin({ now: () => clock.ms });
});
afterAll(async () => {
  await standin.close();
});

describe('GraphClient against the Graph stand-in', () => {
  it('reads a user with the selected properties (accountEnabled is not a default property)', async () => {
    const client = graphClientFor(standin, { now: () => new Date(clock.ms) });
    await expect(client.getUser(DISABLED_USER_ID)).resolves.toMatchObject({
      id: DISABLED_USER_ID,
      accountEnabled: false,
      userPrincipalName: 'BonnieK@contoso.com',
      mail: null,
    });
    const res = await fetch(`${standin.url}/users/${ENABLED_USER_ID}`, {
      headers: { authorization: 'Bearer nope' },
    });
    expect(res.status).toBe(401);
  });

  it('returns undefined for an unknown user (Graph 404 Request_ResourceNotFound)', async () => {
    const client = graphClientFor(standin);
    await expect(client.getUser(GONE_USER_ID)).resolves.toBeUndefined();
  });

  it('caches the app token across calls and fetches a new one shortly before it expires', async () => {
    const client = graphClientFor(standin, { now: () => new Date(clock.ms) });
    const before = standin.state().tokensIssued;
    await Promise.all([client.getUser(DISABLED_USER_ID), client.getUser(ENABLED_USER_ID)]);
    await client.getUser(DISABLED_USER_ID);
    expect(standin.state().tokensIssued - before).toBe(1);
    clock.ms += 56 * 60_000;
    await client.getUser(DISABLED_USER_ID);
    expect(standin.state().tokensIssued - before).toBe(2);
  });

  it('drops a token Graph rejects and retries once with a new one', async () => {
    const frozen = clock.ms;
    const client = graphClientFor(standin, { now: () => new Date(frozen) });
    await client.getUser(DISABLED_USER_ID);
    const before = standin.state().tokensIssued;
    clock.ms += 2 * 60 * 60_000; // the stand-in now considers the cached token expired
    await expect(client.getUser(DISABLED_USER_ID)).resolves.toMatchObject({ id: DISABLED_USER_ID });
    expect(standin.state().tokensIssued - before).toBe(1);
  });

  it('translates 503 and 429 into TransientError, 403 into a PermanentError with a consent hint', async () => {
    const client = graphClientFor(standin);
    standin.addFault({ target: 'users', status: 503 });
    await expect(client.getUser(DISABLED_USER_ID)).rejects.toBeInstanceOf(TransientError);
    standin.addFault({ target: 'users', status: 429 });
    await expect(client.getUser(DISABLED_USER_ID)).rejects.toBeInstanceOf(TransientError);
    standin.addFault({ target: 'users', status: 403 });
    const error = await client.getUser(DISABLED_USER_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).hint).toMatch(/User\.Read\.All/);
  });

  it('fails with a PermanentError (auth) on a wrong client secret, without the secret in the message', async () => {
    const client = graphClientFor(standin, { clientSecret: 'not-the-secret' });
    const error = await client.getUser(DISABLED_USER_ID).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PermanentError);
    expect((error as PermanentError).kind).toBe('auth');
    expect((error as PermanentError).errorCode).toBe('invalid_client');
    expect(String((error as Error).message)).not.toContain('not-the-secret');
  });

  it('times out a slow answer with a TransientError', async () => {
    const client = graphClientFor(standin, { timeoutMs: 150 });
    await client.getUser(DISABLED_USER_ID);
    standin.addFault({ target: 'users', delayMs: 500 });
    await expect(client.getUser(DISABLED_USER_ID)).rejects.toThrow(/did not answer within 150 ms/);
  });
});
