import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ZohoHelpCenterClient } from '#core/adapters/zoho/zoho-help-center.ts';
import { silentLogger } from '#core/ports/logger.ts';
import type { TokenSource } from '#core/ports/token-source.ts';

/**
 * Narrow unit: getUsers rows carry no help center (User.json userDetailJson), so a match belongs to
 * the help center the lookup asked for; group rows do (groupMetaResponse), and one without it must
 * fail closed, never end as a silent no-op.
 */
const BASE = 'https://desk.zoho.eu';
const HC = '7001000000000001';
const USER = '7001000000118001';
const LOOKUP = {
  searchBy: 'alice@example.com',
  helpCenterId: HC,
  status: 'ALL',
  from: '1',
  limit: '50',
};
const row = (id: string, emailAddress: string, extra: Record<string, unknown> = {}) => ({
  id,
  name: 'Alice',
  photoUrl: null,
  emailAddress,
  userType: 'ENDUSER',
  status: 'ACTIVE',
  ...extra,
});
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
  it('attributes an exact emailAddress match to the help center it searched', async () => {
    const { pool, client: c } = client('user-groups-delete');
    pool.intercept({ path: '/api/v1/users', method: 'GET', query: LOOKUP }).reply(200, {
      data: [row('1', 'x.alice@example.com'), row(USER, 'Alice@Example.com')],
    });
    expect(await c.findUsersByEmail('alice@example.com')).toEqual([
      { id: USER, email: 'Alice@Example.com', helpCenterId: HC },
    ]);
  });

  it('reads emailAddress only: a row with our old guesses (emailId, email) matches nobody', async () => {
    const { pool, client: c } = client('user-groups-delete');
    pool.intercept({ path: '/api/v1/users', method: 'GET', query: LOOKUP }).reply(200, {
      data: [
        { id: USER, emailId: 'alice@example.com' },
        { id: '2', email: 'alice@example.com', emailAddress: null },
      ],
    });
    expect(await c.findUsersByEmail('alice@example.com')).toEqual([]);
  });

  it('fails a zoho-desk-v1 removal when a group of the user has no helpCenterId', async () => {
    const { pool, client: c } = client('zoho-desk-v1');
    pool
      .intercept({
        path: `/api/v1/users/${USER}/groups`,
        method: 'GET',
        query: { helpCenterId: HC, from: '1', limit: '50' },
      })
      .reply(200, { data: [{ id: '7001000000104001', name: 'Beta' }] });
    await expect(c.removeUserFromAllGroups(HC, USER)).rejects.toMatchObject({
      name: 'PermanentError',
      errorCode: 'UNEXPECTED_RESPONSE',
    });
  });
});
