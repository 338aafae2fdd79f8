import { describe, expect, it } from 'vitest';
import { ENV } from '../../functions/core/contract/env-names.ts';
import { StageConfigSchema } from '../../infra/config.ts';
import { FUNCTION_ENV } from '../../infra/function-env.ts';

describe('stage config: group mapping and Zoho Desk app scoping', () => {
  it('defaults to no mapping and no app instance ids', () => {
    const config = StageConfigSchema.parse({});
    expect(config.groupMapping).toEqual([]);
    expect(config.okta.zohoAppInstanceIds).toEqual([]);
  });

  it('accepts mapping entries and refuses unknown keys or non-Zoho ids', () => {
    const entry = { idpGroupId: '00gPARTNERS', helpCenterId: '7001', groupId: '8001' };
    expect(StageConfigSchema.parse({ groupMapping: [entry] }).groupMapping).toEqual([entry]);
    expect(StageConfigSchema.safeParse({ groupMapping: [{ ...entry, x: 1 }] }).success).toBe(false);
    expect(
      StageConfigSchema.safeParse({ groupMapping: [{ ...entry, groupId: 'g1' }] }).success,
    ).toBe(false);
  });

  it('reaches the functions that read it', () => {
    expect(FUNCTION_ENV.ingest).toEqual(
      expect.arrayContaining([ENV.GROUP_MAPPING, ENV.OKTA_ZOHO_APP_INSTANCE_IDS]),
    );
    expect(FUNCTION_ENV.worker).toContain(ENV.GROUP_MAPPING);
  });
});
