import { describe, expect, it } from 'vitest';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import { loadWorkerConfig } from '#core/config/worker-config.ts';
import { ConfigError, SecretError } from '#core/domain/errors.ts';
import { systemClock } from '#core/ports/clock.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';

const settings = {
  dialect: 'user-groups-delete' as const,
  concurrency: 5,
  timeoutMs: 1000,
  maxReceiveCount: 5,
  maxInCallRetries: 1,
  dryRun: false,
  verifyAfterRemove: false,
  guardMaxRequests: 10,
  guardWindowSeconds: 60,
};

function ports(oauth: unknown) {
  return {
    secrets: new StaticSecretSource({ oauth: JSON.stringify(oauth) }),
    oauthSecretId: 'oauth',
    tokenSecretId: 'token',
    refresher: { requestRefresh: async () => {} },
    identityStore: new InMemoryIdentityStore(),
    deadLetters: new InMemoryDeadLetterQueue(),
    guard: new InMemoryRateGuard(10, 60, systemClock),
    dispatcher: createZohoAgent(),
    logger: silentLogger,
  };
}

describe('worker start-up', () => {
  it('names every missing environment variable at once', () => {
    let error: unknown;
    try {
      loadWorkerConfig({});
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(ConfigError);
    const message = (error as Error).message;
    for (const key of [
      'DEAD_LETTER_QUEUE_URL',
      'ZOHO_OAUTH_SECRET_ARN',
      'ZOHO_TOKEN_SECRET_ARN',
      'TOKEN_REFRESHER_FUNCTION_NAME',
      'IDENTITY_TABLE_NAME',
      'IDEMPOTENCY_TABLE_NAME',
    ]) {
      expect(message).toContain(key);
    }
  });

  it('rejects an unknown dialect and a malformed URL by name', () => {
    expect(() =>
      loadWorkerConfig({
        DEAD_LETTER_QUEUE_URL: 'not a url',
        ZOHO_OAUTH_SECRET_ARN: 'a',
        ZOHO_TOKEN_SECRET_ARN: 'b',
        TOKEN_REFRESHER_FUNCTION_NAME: 'c',
        IDENTITY_TABLE_NAME: 'd',
        IDEMPOTENCY_TABLE_NAME: 'e',
        HELPCENTER_API: 'soap',
      }),
    ).toThrow(/DEAD_LETTER_QUEUE_URL.*HELPCENTER_API|HELPCENTER_API.*DEAD_LETTER_QUEUE_URL/);
  });

  it('refuses to start when the OAuth secret has no org id, naming the key but not the values', async () => {
    const promise = assembleWorker(
      settings,
      ports({
        clientId: 'id-1',
        clientSecret: 'very-secret-value',
        refreshToken: '1000.rt',
        helpCenterIds: ['7001'],
      }),
    );
    await expect(promise).rejects.toBeInstanceOf(SecretError);
    await expect(promise).rejects.toThrow(/orgId \(missing\)/);
    await expect(promise).rejects.not.toThrow(/very-secret-value/);
  });

  it('refuses to start without any help center id', async () => {
    await expect(
      assembleWorker(
        settings,
        ports({ clientId: 'id-1', clientSecret: 's', refreshToken: '1000.rt', orgId: '600123' }),
      ),
    ).rejects.toThrow(/HELPCENTER_IDS/);
  });

  it('starts with a complete secret and uses the data centre of the secret for the Desk URL', async () => {
    const deps = await assembleWorker(
      settings,
      ports({
        clientId: 'id-1',
        clientSecret: 's',
        refreshToken: '1000.rt',
        orgId: '600123',
        dataCentre: 'eu',
        helpCenterIds: ['7001'],
      }),
    );
    expect(deps.baseUrl).toBe('https://desk.zoho.eu');
    expect(deps.helpCenterIds).toEqual(['7001']);
  });
});
