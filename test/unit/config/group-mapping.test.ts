import { describe, expect, it } from 'vitest';
import { describeGroupMapping, isMapped, parseGroupMapping } from '#core/config/group-mapping.ts';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import { ConfigError } from '#core/domain/errors.ts';

const HC = '7001000000000001';
const entry = (idpGroupId: string, groupId: string, helpCenterId = HC) => ({
  idpGroupId,
  helpCenterId,
  groupId,
});

function configError(fn: () => unknown): ConfigError {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return error as ConfigError;
  }
  throw new Error('expected a ConfigError');
}

describe('parseGroupMapping', () => {
  it('reads a JSON array of IdP group → Help Center group entries', () => {
    const mapping = parseGroupMapping(
      JSON.stringify([
        { ...entry('00g1partners', '8001'), name: 'Partners' },
        entry('6f1c2b3a-entra-object-id', '8002'),
      ]),
      { helpCenterIds: [HC] },
    );
    expect(mapping.size).toBe(2);
    expect(mapping.get('00g1partners')).toEqual({
      ...entry('00g1partners', '8001'),
      name: 'Partners',
    });
    expect(isMapped(mapping, entry('00g1partners', '8001'))).toBe(true);
    expect(isMapped(mapping, entry('00g1partners', '8002'))).toBe(false);
    expect(isMapped(mapping, entry('00gOther', '8001'))).toBe(false);
    expect(describeGroupMapping(mapping)).toEqual([
      `00g1partners (Partners) → help center ${HC}, group 8001`,
      `6f1c2b3a-entra-object-id → help center ${HC}, group 8002`,
    ]);
  });

  it('is empty when unset', () => {
    expect(parseGroupMapping(undefined).size).toBe(0);
    expect(parseGroupMapping('  ').size).toBe(0);
  });

  it('names GROUP_MAPPING for invalid JSON, unknown keys and non-Zoho ids', () => {
    for (const raw of [
      'not json',
      '{"idpGroupId":"x"}',
      JSON.stringify([{ ...entry('a', '8001'), extra: 1 }]),
      JSON.stringify([entry('a', '../8001')]),
      JSON.stringify([entry('', '8001')]),
    ]) {
      const error = configError(() => parseGroupMapping(raw));
      expect(error.issues.every((i) => i.startsWith('GROUP_MAPPING: '))).toBe(true);
    }
  });

  it('refuses an IdP group mapped twice and two IdP groups mapped to the same target', () => {
    const twice = configError(() =>
      parseGroupMapping(JSON.stringify([entry('a', '8001'), entry('a', '8002')])),
    );
    expect(twice.message).toContain('IdP group a is mapped more than once');
    const sameTarget = configError(() =>
      parseGroupMapping(JSON.stringify([entry('a', '8001'), entry('b', '8001')])),
    );
    expect(sameTarget.message).toContain(
      `Help Center group ${HC}/8001 is the target of both a and b`,
    );
  });

  it('refuses a group mapped in a help center that is not configured, naming it', () => {
    const error = configError(() =>
      parseGroupMapping(JSON.stringify([entry('a', '8001', '7009')]), { helpCenterIds: [HC] }),
    );
    expect(error.message).toContain('help center 7009, which is not configured');
  });

  it('is part of the ingest configuration', () => {
    const base = {
      WORK_QUEUE_URL: 'http://queue.local/work',
      WEBHOOK_SECRET_ARN: 'secret',
      IDENTITY_TABLE_NAME: 'identity',
    };
    const config = loadIngestConfig({
      ...base,
      GROUP_MAPPING: JSON.stringify([entry('00g1', '8001')]),
    });
    expect(config.groupMapping?.get('00g1')?.groupId).toBe('8001');
    expect(() => loadIngestConfig({ ...base, GROUP_MAPPING: '[' })).toThrow(ConfigError);
  });
});
