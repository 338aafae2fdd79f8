import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ZohoHelpCenterClient } from '#core/adapters/zoho/zoho-help-center.ts';
import { silentLogger } from '#core/ports/logger.ts';
import type { TokenSource } from '#core/ports/token-source.ts';

/**
 * Narrow unit (the sandbox always names the help center): answers that do not say which help center
 * a user or group belongs to must fail closed, never end as a silent no-op.
 */
const BASE = 'https://desk.zoho.eu';
const HC = '7001000000000001';
const USER = '7001000000118001';
const LOOKUP = { searchBy: 'alice@example.com', from: '0', limit: '100' };
const tokens: TokenSource = {
  getAccessToken: async () => 'token',
  refreshAfterRejection: async () => 'token',
};

let agent: MockAgent;
afterEach(async () => {
  await agent.close();
});

function client(dialect: 'user-groups-delete' | 'zoho-desk-v1') {
  agent = new MockAgent();
  agent.disableNetConnect();
  return {
    pool: agent.get(BASE),
    client: new ZohoHelpCenterClient(
      agent,
      { baseUrl: BASE, orgId: '1', dialect, helpCenterIds: [HC] },
      tokens,
      silentLogger,
    ),
  };
}

describe('ZohoHelpCenterClient with answers that do not name the help center', () => {
  it('fails the lookup when an exact match has no helpCenterId', async () => {
    const { pool, client: c } = client('user-groups-delete');
    pool
      .intercept({ path: '/api/v1/users', method: 'GET', query: LOOKUP })
      .reply(200, { data: [{ id: USER, emailId: 'alice@example.com' }] });
    await expect(c.findUsersByEmail('alice@example.com')).rejects.toMatchObject({
      name: 'PermanentError',
      errorCode: 'UNEXPECTED_RESPONSE',
      hint: expect.stringMatching(/nothing was removed/),
    });
  });

  it('still ignores non-matching rows without a helpCenterId', async () => {
    const { pool, client: c } = client('user-groups-delete');
    pool.intercept({ path: '/api/v1/users', method: 'GET', query: LOOKUP }).reply(200, {
      data: [
        { id: '1', emailId: 'x.alice@example.com' },
        { id: USER, emailId: 'alice@example.com', helpCenterId: HC },
      ],
    });
    expect(await c.findUsersByEmail('alice@example.com')).toEqual([
      { id: USER, email: 'alice@example.com', helpCenterId: HC },
    ]);
  });

  it('fails a zoho-desk-v1 removal when a group of the user has no helpCenterId', async () => {
    const { pool, client: c } = client('zoho-desk-v1');
    pool
      .intercept({ path: `/api/v1/users/${USER}/groups`, method: 'GET' })
      .reply(200, { data: [{ id: '7001000000104001', name: 'Beta' }] });
    await expect(c.removeUserFromAllGroups(HC, USER)).rejects.toMatchObject({
      name: 'PermanentError',
      errorCode: 'UNEXPECTED_RESPONSE',
    });
  });
});
