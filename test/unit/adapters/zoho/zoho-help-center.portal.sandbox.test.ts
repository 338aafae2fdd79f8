import { describe, expect, it } from 'vitest';
import {
  ALICE_A,
  failure,
  HC_A,
  HC_B,
  recordingLogger,
  seed,
  useSandbox,
  workerStack,
} from './sandbox-harness.ts';

const API = (s: { calls: { method: string; path: string; status: number }[] }) =>
  s.calls.filter((c) => c.path.startsWith('/api/'));

describe('ZohoHelpCenterClient portal access (removePortalUser, getUserDetails) against the sandbox', () => {
  it('removes the portal access with POST /api/v1/portalUsers/{id}/removeUser; the status reads DELETED', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url);
    expect(await client.portalUserStatus(HC_A, ALICE_A)).toBe('ACTIVE');
    expect(await client.removePortalUser(HC_A, ALICE_A)).toEqual({
      helpCenterId: HC_A,
      userId: ALICE_A,
      outcome: 'removed',
      httpStatus: 204,
      calls: 1,
      dryRun: false,
    });
    expect(await client.portalUserStatus(HC_A, ALICE_A)).toBe('DELETED');
    expect(API(await h.state())).toEqual([
      { method: 'GET', path: `/api/v1/users/${ALICE_A}`, status: 200 },
      { method: 'POST', path: `/api/v1/portalUsers/${ALICE_A}/removeUser`, status: 204 },
      { method: 'GET', path: `/api/v1/users/${ALICE_A}`, status: 200 },
    ]);
  });

  it('counts a 404 (no such portal user) as already removed', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url);
    expect(await client.removePortalUser(HC_A, '7001000000999999')).toMatchObject({
      outcome: 'already-removed',
      httpStatus: 404,
    });
  });

  it('in dry run logs the exact request and sends nothing', async () => {
    const h = await useSandbox();
    const { logger, lines } = recordingLogger();
    const { client } = workerStack(h.url, { logger });
    expect(await client.removePortalUser(HC_A, ALICE_A, { dryRun: true })).toMatchObject({
      outcome: 'removed',
      calls: 0,
      dryRun: true,
    });
    expect(API(await h.state())).toEqual([]);
    expect(lines.find((l) => l.message.startsWith('Dry run'))?.extra).toMatchObject({
      method: 'POST',
      path: `/api/v1/portalUsers/${ALICE_A}/removeUser`,
    });
  });

  it('a token without Desk.settings.DELETE is a permanent scope error whose hint names it', async () => {
    const h = await useSandbox({ seed: seed(['Desk.settings.READ', 'Desk.settings.UPDATE']) });
    const { client } = workerStack(h.url, { dialect: 'zoho-desk-v1' });
    expect(await failure(client.removePortalUser(HC_A, ALICE_A))).toMatchObject({
      kind: 'scope',
      retryable: false,
      httpStatus: 403,
      errorCode: 'SCOPE_MISMATCH',
      hint: expect.stringContaining(
        'removePortalUser needs (Desk.settings.DELETE or Desk.basic.DELETE)',
      ),
    });
  });

  it('refuses a help center that is not configured', async () => {
    const h = await useSandbox();
    const { client } = workerStack(h.url, { helpCenterIds: [HC_B] });
    expect(await failure(client.removePortalUser(HC_A, ALICE_A))).toMatchObject({ kind: 'config' });
    expect(API(await h.state())).toEqual([]);
  });
});
