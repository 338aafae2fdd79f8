import { describe, expect, it } from 'vitest';
import { loadWorkerConfig } from '#core/config/worker-config.ts';
import { ENV } from '#core/contract/env-names.ts';

const REQUIRED = {
  [ENV.DEAD_LETTER_QUEUE_URL]: 'https://sqs.us-east-1.amazonaws.com/1/dlq',
  [ENV.ZOHO_OAUTH_SECRET_ARN]: 'arn:oauth',
  [ENV.ZOHO_TOKEN_SECRET_ARN]: 'arn:token',
  [ENV.TOKEN_REFRESHER_FUNCTION_NAME]: 'refresher',
  [ENV.IDENTITY_TABLE_NAME]: 'identities',
  [ENV.IDEMPOTENCY_TABLE_NAME]: 'idempotency',
};

describe('loadWorkerConfig REMOVE_PORTAL_ACCESS', () => {
  it('is off unless set', () => {
    expect(loadWorkerConfig(REQUIRED).removePortalAccess).toBe(false);
    expect(
      loadWorkerConfig({ ...REQUIRED, [ENV.REMOVE_PORTAL_ACCESS]: 'true' }).removePortalAccess,
    ).toBe(true);
  });

  it('names the variable when the value is not a boolean', () => {
    expect(() => loadWorkerConfig({ ...REQUIRED, [ENV.REMOVE_PORTAL_ACCESS]: 'perhaps' })).toThrow(
      /REMOVE_PORTAL_ACCESS/,
    );
  });
});
