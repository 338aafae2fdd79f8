import { describe, expect, it } from 'vitest';
import { buildGraphWorkerDeps } from '#core/compose/graph-worker-wiring.ts';
import { loadWorkerConfig } from '#core/config/worker-config.ts';
import { ConfigError } from '#core/domain/errors.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryGraphStateStore } from '../../doubles/in-memory-graph-state-store.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';

const BASE_ENV = {
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
  ZOHO_OAUTH_SECRET_ARN: 'oauth',
  ZOHO_TOKEN_SECRET_ARN: 'token',
  TOKEN_REFRESHER_FUNCTION_NAME: 'refresher',
  IDENTITY_TABLE_NAME: 'identity',
  IDEMPOTENCY_TABLE_NAME: 'idempotency',
};

describe('worker start-up with Microsoft Graph', () => {
  it('leaves Graph off without GRAPH_SECRET_ARN (GRAPH_BASE_URL alone is not enough)', () => {
    const config = loadWorkerConfig({ ...BASE_ENV, GRAPH_BASE_URL: 'https://graph.example/v1.0' });
    expect(config.graph).toBeUndefined();
  });

  it('needs WORK_QUEUE_URL with GRAPH_SECRET_ARN (a delta resync enqueues to it)', () => {
    expect(() => loadWorkerConfig({ ...BASE_ENV, GRAPH_SECRET_ARN: 'graph' })).toThrow(
      expect.objectContaining({ name: 'ConfigError', issues: ['WORK_QUEUE_URL'] }),
    );
    const config = loadWorkerConfig({
      ...BASE_ENV,
      GRAPH_SECRET_ARN: 'graph',
      WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
    });
    expect(config.graph).toEqual({
      secretId: 'graph',
      baseUrl: 'https://graph.microsoft.com/v1.0',
      loginUrl: 'https://login.microsoftonline.com',
    });
  });

  it.each(['tenantId', 'clientId', 'clientSecret'] as const)(
    'refuses to start naming the Graph secret key %s when it is missing, never a value',
    async (key) => {
      const secret = { tenantId: 't-1', clientId: 'c-1', clientSecret: 'graph-secret-not-logged' };
      const { [key]: _missing, ...rest } = secret;
      const error = await buildGraphWorkerDeps({
        config: {
          secretId: 'graph',
          baseUrl: 'https://graph.example',
          loginUrl: 'https://login.example',
        },
        secretSource: new StaticSecretSource({ graph: JSON.stringify(rest) }),
        logger: silentLogger,
        state: new InMemoryGraphStateStore(),
        queue: new InMemoryWorkQueue(),
      }).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(ConfigError);
      expect((error as ConfigError).issues).toEqual([key]);
      expect((error as Error).message).not.toContain('graph-secret-not-logged');
    },
  );
});
