import { MockAgent } from 'undici';
import { afterEach, describe, expect, it } from 'vitest';
import { ZohoHelpCenterClient } from '#core/adapters/zoho/zoho-help-center.ts';
import { silentLogger } from '#core/ports/logger.ts';
import type { TokenSource } from '#core/ports/token-source.ts';

const BASE = 'https://desk.zoho.eu';
const HC = '7001000000000001';
const USER = '7001000000118001';
const G1 = '7001000000104001';
const G2 = '7001000000104002';
const tokens: TokenSource = {
  getAccessToken: async () => 'token',
  refreshAfterRejection: async () => 'token',
};

let agent: MockAgent;
afterEach(async () => {
  await agent.close();
});

/** Narrow unit: per-group results the sandbox cannot be made to produce on demand. */
function clientAnswering(dissociate: { status: number; body: unknown }) {
  agent = new MockAgent();
  agent.disableNetConnect();
  const pool = agent.get(BASE);
  pool
    .intercept({
      path: `/api/v1/users/${USER}/groups`,
      method: 'GET',
      query: { helpCenterId: HC, from: '1', limit: '50' },
    })
    .reply(200, {
      data: [
        { id: G1, name: 'One', helpCenterId: HC },
        { id: G2, name: 'Two', helpCenterId: HC },
      ],
    });
  pool
    .intercept({
      path: `/api/v1/users/${USER}/groups/dissociate`,
      method: 'POST',
      query: { helpCenterId: HC },
    })
    .reply(dissociate.status, dissociate.body as object);
  return new ZohoHelpCenterClient(
    agent,
    { baseUrl: BASE, orgId: '1', dialect: 'zoho-desk-v1', helpCenterIds: [HC] },
    tokens,
    silentLogger,
  );
}

describe('ZohoHelpCenterClient dissociate results', () => {
  it('treats any success:false as a failure naming the group, with its nested error code', async () => {
    // User.json massActionListViewResponse example: the code sits under each result's `errors`.
    const client = clientAnswering({
      status: 200,
      body: {
        results: [
          { success: true, id: G1, errors: null },
          {
            success: false,
            id: G2,
            errors: { errorCode: 'FORBIDDEN', httpCode: 403, error: 'Restricted' },
          },
        ],
      },
    });
    await expect(client.removeUserFromAllGroups(HC, USER)).rejects.toMatchObject({
      name: 'PermanentError',
      kind: 'permanent',
      httpStatus: 200,
      errorCode: 'FORBIDDEN',
      message: expect.stringContaining(G2),
    });
  });

  it('treats a group missing from the results as not removed', async () => {
    const client = clientAnswering({
      status: 200,
      body: { results: [{ id: G1, success: true, errors: null }] },
    });
    await expect(client.removeUserFromAllGroups(HC, USER)).rejects.toMatchObject({
      errorCode: 'DISSOCIATE_FAILED',
      message: expect.stringContaining(G2),
    });
  });

  it('treats a 200 without results as a transient, unconfirmed removal', async () => {
    const client = clientAnswering({ status: 200, body: { ok: true } });
    await expect(client.removeUserFromAllGroups(HC, USER)).rejects.toMatchObject({
      name: 'TransientError',
      errorCode: 'UNEXPECTED_RESPONSE',
    });
  });

  it('refuses options that would point it anywhere unexpected', () => {
    agent = new MockAgent();
    const build = (over: Record<string, unknown>) => () =>
      new ZohoHelpCenterClient(
        agent,
        { baseUrl: BASE, orgId: '1', dialect: 'zoho-desk-v1', helpCenterIds: [HC], ...over },
        tokens,
        silentLogger,
      );
    expect(build({ baseUrl: `${BASE}/api/v1/groups/1` })).toThrow(/baseUrl/);
    expect(build({ helpCenterIds: [] })).toThrow(/helpCenterIds/);
    expect(build({ orgId: '' })).toThrow(/orgId/);
    expect(build({ helpCenterIds: ['hc-1'] })).toThrow(/helpCenterIds/);
    expect(build({ dialect: 'v2' })).toThrow(/dialect/);
  });
});
