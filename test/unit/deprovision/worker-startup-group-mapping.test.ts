import { describe, expect, it } from 'vitest';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { loadWorkerConfig } from '#core/config/worker-config.ts';
import { ConfigError } from '#core/domain/errors.ts';
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

const ports = () => ({
  secrets: new StaticSecretSource({
    oauth: JSON.stringify({
      clientId: 'id-1',
      clientSecret: 's',
      refreshToken: '1000.rt',
      orgId: '600123',
      helpCenterIds: ['7001'],
    }),
  }),
  oauthSecretId: 'oauth',
  tokenSecretId: 'token',
  refresher: { requestRefresh: async () => {} },
  identityStore: new InMemoryIdentityStore(),
  deadLetters: new InMemoryDeadLetterQueue(),
  guard: new InMemoryRateGuard(10, 60, systemClock),
  dispatcher: createZohoAgent(),
  logger: silentLogger,
});

describe('worker start-up with GROUP_MAPPING', () => {
  it('refuses to start when a group is mapped in a help center that is not configured', async () => {
    const groupMapping = parseGroupMapping(
      JSON.stringify([{ idpGroupId: '00gPARTNERS', helpCenterId: '7009', groupId: '8001' }]),
    );
    const promise = assembleWorker({ ...settings, groupMapping }, ports());
    await expect(promise).rejects.toBeInstanceOf(ConfigError);
    await expect(promise).rejects.toThrow(
      /GROUP_MAPPING: .*help center 7009, which is not configured/,
    );
  });

  it('starts with a mapping inside the configured help centers and hands it to the use case', async () => {
    const groupMapping = parseGroupMapping(
      JSON.stringify([{ idpGroupId: '00gPARTNERS', helpCenterId: '7001', groupId: '8001' }]),
    );
    const deps = await assembleWorker({ ...settings, groupMapping }, ports());
    expect(deps.groupMapping?.get('00gPARTNERS')).toMatchObject({ groupId: '8001' });
  });

  it('reads GROUP_MAPPING from the worker environment, naming it when invalid', () => {
    const env = {
      DEAD_LETTER_QUEUE_URL: 'http://queue.local/dlq',
      ZOHO_OAUTH_SECRET_ARN: 'oauth',
      ZOHO_TOKEN_SECRET_ARN: 'token',
      TOKEN_REFRESHER_FUNCTION_NAME: 'refresher',
      IDENTITY_TABLE_NAME: 'identity',
      IDEMPOTENCY_TABLE_NAME: 'idempotency',
    };
    expect(loadWorkerConfig(env).groupMapping?.size).toBe(0);
    const entry = { idpGroupId: '00gPARTNERS', helpCenterId: '7001', groupId: '8001', name: 'P' };
    const read = loadWorkerConfig({ ...env, GROUP_MAPPING: JSON.stringify([entry]) }).groupMapping;
    expect(read?.size).toBe(1);
    expect(read?.get('00gPARTNERS')).toEqual(entry);
    expect(() => loadWorkerConfig({ ...env, GROUP_MAPPING: '{"not":"an array"}' })).toThrow(
      /GROUP_MAPPING/,
    );
  });
});
