import { describe, expect, it } from 'vitest';
import { PermanentError, TransientError } from '#core/domain/errors.ts';
import type { TokenRefresher } from '#core/ports/token-source.ts';
import { SharedTokenReader } from '#core/tokens/shared-token-reader.ts';
import { InProcessTokenRefresher } from '../../../local/adapters/in-process-token-refresher.ts';
import { FakeClock, refresherDeps, TOKEN_SECRET_ID, tokenSecret } from './token-fakes.ts';

const MINUTE = 60_000;

function setup(options: { token?: string; clock?: FakeClock } = {}) {
  const clock = options.clock ?? new FakeClock();
  const deps = refresherDeps({ clock, ...(options.token ? { token: options.token } : {}) });
  const refresher = new InProcessTokenRefresher(deps);
  const requests: { rejectedToken?: string }[] = [];
  const counting: TokenRefresher = {
    requestRefresh: async (input) => {
      requests.push(input);
      await refresher.requestRefresh(input);
    },
  };
  const newReader = (refresherPort: TokenRefresher = counting) =>
    new SharedTokenReader({
      secrets: deps.secrets,
      tokenSecretId: TOKEN_SECRET_ID,
      refresher: refresherPort,
      clock,
      sleep: async () => {},
    });
  return { clock, deps, refresher, requests, reader: newReader(), newReader };
}

describe('SharedTokenReader', () => {
  it('asks the refresher once when there is no token, then serves the minted one', async () => {
    const { reader, requests, deps } = setup();
    expect(await reader.getAccessToken()).toBe('token-1');
    expect(await reader.getAccessToken()).toBe('token-1');
    expect(requests).toEqual([{}]);
    expect(deps.minter.grants).toHaveLength(1);
  });

  it('shares one read and one refresher call between concurrent callers', async () => {
    const { reader, requests } = setup();
    const tokens = await Promise.all(Array.from({ length: 20 }, () => reader.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(requests).toHaveLength(1);
  });

  it('re-reads the secret after the cache TTL and picks up a token another container stored', async () => {
    const clock = new FakeClock();
    const { reader, deps } = setup({
      clock,
      token: tokenSecret('first', new Date(clock.now().getTime() + 60 * MINUTE)),
    });
    expect(await reader.getAccessToken()).toBe('first');
    await deps.secrets.putSecretString(
      TOKEN_SECRET_ID,
      tokenSecret('second', new Date(clock.now().getTime() + 60 * MINUTE)),
    );
    clock.advance(10_000);
    expect(await reader.getAccessToken()).toBe('first');
    clock.advance(25_000);
    expect(await reader.getAccessToken()).toBe('second');
  });

  it('never serves a cached token past its expiry minus the margin', async () => {
    const clock = new FakeClock();
    const { reader, requests } = setup({
      clock,
      token: tokenSecret('almost', new Date(clock.now().getTime() + 2 * MINUTE + 10_000)),
    });
    expect(await reader.getAccessToken()).toBe('almost');
    clock.advance(15_000);
    expect(await reader.getAccessToken()).toBe('token-1');
    expect(requests).toEqual([{}]);
  });

  it('on rejection re-reads first and does not bother the refresher when the token changed', async () => {
    const clock = new FakeClock();
    const { reader, deps, requests } = setup({
      clock,
      token: tokenSecret('old', new Date(clock.now().getTime() + 60 * MINUTE)),
    });
    expect(await reader.getAccessToken()).toBe('old');
    await deps.secrets.putSecretString(
      TOKEN_SECRET_ID,
      tokenSecret('new', new Date(clock.now().getTime() + 60 * MINUTE)),
    );
    expect(await reader.refreshAfterRejection('old')).toBe('new');
    expect(requests).toEqual([]);
  });

  it('on rejection of the stored token asks the refresher once with that token', async () => {
    const clock = new FakeClock();
    const { reader, requests, deps } = setup({
      clock,
      token: tokenSecret('stale', new Date(clock.now().getTime() + 60 * MINUTE)),
    });
    expect(await reader.getAccessToken()).toBe('stale');
    expect(await reader.refreshAfterRejection('stale')).toBe('token-1');
    expect(requests).toEqual([{ rejectedToken: 'stale' }]);
    expect(deps.minter.grants).toHaveLength(1);
    expect(await reader.getAccessToken()).toBe('token-1');
  });

  it('re-reads when the refresher is busy and uses the token another call minted', async () => {
    const clock = new FakeClock();
    const { deps, newReader } = setup({ clock });
    let calls = 0;
    const busy: TokenRefresher = {
      requestRefresh: async () => {
        calls += 1;
        await deps.secrets.putSecretString(
          TOKEN_SECRET_ID,
          tokenSecret('minted-elsewhere', new Date(clock.now().getTime() + 60 * MINUTE)),
        );
        throw new TransientError('throttled', { errorCode: 'TooManyRequestsException' });
      },
    };
    expect(await newReader(busy).getAccessToken()).toBe('minted-elsewhere');
    expect(calls).toBe(1);
  });

  it('fails transiently when no token appears, and permanently when the refresher says so', async () => {
    const { newReader } = setup();
    const nothing: TokenRefresher = { requestRefresh: async () => {} };
    await expect(newReader(nothing).getAccessToken()).rejects.toMatchObject({
      name: 'TransientError',
      errorCode: 'NO_ACCESS_TOKEN',
    });
    const broken: TokenRefresher = {
      requestRefresh: async () => {
        throw new PermanentError('invalid_client', 'auth');
      },
    };
    await expect(newReader(broken).getAccessToken()).rejects.toMatchObject({ kind: 'auth' });
  });
});

describe('InProcessTokenRefresher', () => {
  it('serialises calls so that many readers starting at once mint one token', async () => {
    const { deps, newReader } = setup();
    const readers = Array.from({ length: 50 }, () => newReader());
    const tokens = await Promise.all(readers.map((r) => r.getAccessToken()));
    expect(new Set(tokens)).toEqual(new Set(['token-1']));
    expect(deps.minter.grants).toHaveLength(1);
  });
});
