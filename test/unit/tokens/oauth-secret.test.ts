import { describe, expect, it } from 'vitest';
import { ZOHO_DATA_CENTRES, zohoDeskUrl } from '#core/contract/zoho-data-centres.ts';
import { SecretError } from '#core/domain/errors.ts';
import { parseOAuthSecret } from '#core/tokens/oauth-secret.ts';

const base = {
  clientId: '1000.C',
  clientSecret: 'sec',
  refreshToken: '1000.r',
  orgId: '60012345678',
};

describe('Zoho OAuth secret', () => {
  it.each([
    ['us', 'https://accounts.zoho.com'],
    ['eu', 'https://accounts.zoho.eu'],
    ['in', 'https://accounts.zoho.in'],
    ['au', 'https://accounts.zoho.com.au'],
    ['jp', 'https://accounts.zoho.jp'],
    ['ca', 'https://accounts.zohocloud.ca'],
    ['cn', 'https://accounts.zoho.com.cn'],
    ['sa', 'https://accounts.zoho.sa'],
    ['uk', 'https://accounts.zoho.uk'],
  ])('resolves data centre %s to %s', (dataCentre, accountsUrl) => {
    expect(parseOAuthSecret(JSON.stringify({ ...base, dataCentre }), 's').accountsUrl).toBe(
      accountsUrl,
    );
  });

  it('has a Desk API base for every data centre', () => {
    expect(zohoDeskUrl('au')).toBe('https://desk.zoho.com.au');
    expect(zohoDeskUrl('ca')).toBe('https://desk.zohocloud.ca');
    expect(zohoDeskUrl('uk')).toBe('https://desk.zoho.uk');
    expect(Object.keys(ZOHO_DATA_CENTRES)).toHaveLength(9);
  });

  it('prefers an explicit accountsUrl and defaults to the US data centre', () => {
    expect(
      parseOAuthSecret(JSON.stringify({ ...base, accountsUrl: 'http://127.0.0.1:3001/' }), 's')
        .accountsUrl,
    ).toBe('http://127.0.0.1:3001');
    expect(parseOAuthSecret(JSON.stringify(base), 's').accountsUrl).toBe(
      'https://accounts.zoho.com',
    );
  });

  it('rejects an unknown data centre and non-JSON without echoing the value', () => {
    expect(() => parseOAuthSecret(JSON.stringify({ ...base, dataCentre: 'mars' }), 's')).toThrow(
      /dataCentre \(invalid\)/,
    );
    const error = (() => {
      try {
        parseOAuthSecret('{"clientSecret": "leak-me"', 'arn:secret');
      } catch (e) {
        return e as Error;
      }
    })();
    expect(error).toBeInstanceOf(SecretError);
    expect(error?.message).toBe('Secret arn:secret is not valid JSON');
  });
});
