import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import {
  harnessIngestDeps,
  replayHttp,
  type VendorDriver,
  type VendorFixture,
} from '../harness.ts';

/**
 * The users the IdP provisioned before sending a fixture's request, by SCIM id. userNames are the
 * vendors' own: Okta's SCIM guide provisions `test.user@okta.local`; Entra's tutorial creates
 * `Test_User_00aa00aa-…` (its "Create User" request) before disabling and deleting 5171a35d….
 */
const PROVISIONED: Readonly<
  Record<string, { userName: string; externalId?: string; email?: string }>
> = {
  '23a35c27-23d3-4c03-b4c5-6443c09e7173': {
    userName: 'test.user@okta.local',
    email: 'test.user@okta.local',
  },
  '5171a35d82074e068ce2': {
    userName: 'Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee',
    externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
  },
};

/** The SCIM id a request addresses (`…/Users/{id}`), if any. */
function addressedUserId(fixture: VendorFixture): string | undefined {
  const match = /\/Users\/([^/?]+)$/i.exec(fixture.request.path ?? '');
  return match?.[1] === undefined ? undefined : decodeURIComponent(match[1]);
}

/**
 * SCIM 2.0 (Entra ID and Okta provisioning) through the ingest handler. A request addressed to
 * `/Users/{id}` first gets that user seeded, active, in the identity store with its vendor userName.
 */
export const scimDriver: VendorDriver = {
  async replay(fixture) {
    const store = new InMemoryIdentityStore();
    const id = addressedUserId(fixture);
    if (id !== undefined) {
      const known = PROVISIONED[id];
      if (known === undefined) throw new Error(`No provisioned user for SCIM id ${id}`);
      const now = new Date().toISOString();
      await store.put({
        id,
        userName: known.userName,
        ...(known.externalId ? { externalId: known.externalId } : {}),
        ...(known.email ? { email: known.email } : {}),
        active: true,
        attributes: {},
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
    }
    const { deps, queue } = harnessIngestDeps();
    return replayHttp(createIngestHandler({ ...deps, identityStore: store }), queue, fixture);
  },
};
