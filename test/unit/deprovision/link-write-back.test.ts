import { describe, expect, it } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { processDeprovision } from '#core/deprovision/process-deprovision.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { TransientError } from '#core/domain/errors.ts';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { processDeps } from '../../helpers/process-deps.ts';
import { recordingLogger } from '../../helpers/recording-logger.ts';

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const NOW = new Date('2026-12-04T19:00:00.000Z');
const clock = { now: () => NOW };
const PARTNERS = { idpGroupId: '00gPARTNERS', helpCenterId: HC1, groupId: '8001' };

function request(overrides: Partial<DeprovisionRequest> = {}): DeprovisionRequest {
  return {
    schemaVersion: 1,
    requestId: `req-${Math.random()}`,
    source: 'okta-event-hook',
    subject: { idpUserId: '00uALICE', email: 'alice@example.com' },
    reason: 'user.lifecycle.deactivate',
    occurredAt: '2026-12-04T18:59:00.000Z',
    receivedAt: '2026-12-04T18:59:01.000Z',
    ...overrides,
  };
}

function setup(options: { dryRun?: boolean; records?: IdentityRecord[] } = {}) {
  const helpCenter = new InMemoryHelpCenter(
    [
      { id: '1001', email: 'alice@example.com', helpCenterId: HC1, groupIds: ['8001', '8002'] },
      { id: '2001', email: 'alice@example.com', helpCenterId: HC2, groupIds: ['8003'] },
      { id: '1003', email: 'shared@example.com', helpCenterId: HC1, groupIds: ['8001'] },
      { id: '1004', email: 'shared@example.com', helpCenterId: HC1, groupIds: ['8002'] },
    ],
    [
      { id: '8001', helpCenterId: HC1 },
      { id: '8002', helpCenterId: HC1 },
      { id: '8003', helpCenterId: HC2 },
    ],
  );
  const identityStore = new InMemoryIdentityStore(options.records ?? []);
  const { logger, lines } = recordingLogger();
  const deps = processDeps({
    helpCenter,
    identityStore,
    identityLinks: identityStore,
    clock,
    logger,
    dryRun: options.dryRun ?? false,
    groupMapping: parseGroupMapping(JSON.stringify([PARTNERS])),
  });
  return { deps, helpCenter, identityStore, lines };
}

const delivery = { messageId: 'msg-1', receiveCount: 1 };

describe('the worker writes back the links an exact-email match found', () => {
  it('creates a record keyed by the IdP id; a later request with only that id resolves from the store', async () => {
    const { deps, helpCenter, identityStore, lines } = setup();
    expect(await processDeprovision(deps, request(), delivery)).toMatchObject({
      kind: 'removed',
      via: 'directory',
    });
    expect(identityStore.snapshot()).toEqual([
      {
        id: '00uALICE',
        idpUserId: '00uALICE',
        active: false,
        helpCenterUserIds: { [HC1]: '1001', [HC2]: '2001' },
        createdAt: NOW.toISOString(),
        updatedAt: NOW.toISOString(),
        version: 1,
      },
    ]);
    // Graph `deleted` carries the object id only: no email to look up, yet it resolves.
    helpCenter.users.find((u) => u.id === '1001')!.groupIds = ['8001'];
    const later = await processDeprovision(
      deps,
      request({ source: 'graph', subject: { idpUserId: '00uALICE' } }),
      delivery,
    );
    expect(later).toMatchObject({
      kind: 'removed',
      via: 'identity-store',
      removals: [
        { helpCenterId: HC1, userId: '1001', outcome: 'removed' },
        { helpCenterId: HC2, userId: '2001' },
      ],
    });
    // The email is never logged, by the write-back or anything else.
    expect(JSON.stringify(lines)).not.toContain('alice@example.com');
    expect(lines.find((l) => l.message === 'identity links written back')?.extra).toMatchObject({
      writeBack: 'created',
      subject: '00uALICE',
      helpCenters: [HC1, HC2],
    });
  });

  it('adds the links to the record whose externalId is the IdP id, leaving active and the SCIM fields alone', async () => {
    const scim: IdentityRecord = {
      id: 'scim-1',
      userName: 'alice@example.com',
      externalId: 'entra-obj-alice',
      active: false,
      attributes: { displayName: 'Alice' },
      helpCenterUserIds: { [HC2]: '2001' },
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-02T00:00:00.000Z',
      version: 4,
    };
    const { deps, identityStore } = setup({ records: [scim] });
    await processDeprovision(
      deps,
      request({
        source: 'graph',
        subject: { idpUserId: 'entra-obj-alice', email: 'alice@example.com' },
      }),
      delivery,
    );
    expect(identityStore.snapshot()).toEqual([
      {
        ...scim,
        helpCenterUserIds: { [HC1]: '1001', [HC2]: '2001' },
        version: 5,
        updatedAt: NOW.toISOString(),
      },
    ]);
  });

  it('writes nothing on an ambiguous match', async () => {
    const { deps, identityStore } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ subject: { idpUserId: '00uSHARED', email: 'shared@example.com' } }),
      delivery,
    );
    expect(outcome).toMatchObject({ kind: 'dead-lettered', failure: { kind: 'ambiguous' } });
    expect(identityStore.snapshot()).toEqual([]);
  });

  it('writes nothing when nobody has the email', async () => {
    const { deps, identityStore } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ subject: { idpUserId: '00uNOBODY', email: 'nobody@example.com' } }),
      delivery,
    );
    expect(outcome.kind).toBe('no-op');
    expect(identityStore.snapshot()).toEqual([]);
  });

  it('writes nothing without an IdP key to file it under, in dry run, or for a group-level request', async () => {
    const emailOnly = setup();
    await processDeprovision(
      emailOnly.deps,
      request({ subject: { email: 'alice@example.com' } }),
      delivery,
    );
    expect(emailOnly.identityStore.snapshot()).toEqual([]);

    const dry = setup({ dryRun: true });
    expect((await processDeprovision(dry.deps, request(), delivery)).kind).toBe('held');
    expect(dry.identityStore.snapshot()).toEqual([]);

    const group = setup();
    await processDeprovision(
      group.deps,
      request({ scope: { kind: 'group', ...PARTNERS }, reason: 'group.user_membership.remove' }),
      delivery,
    );
    expect(group.identityStore.snapshot()).toEqual([]);
  });

  it('never recreates a record for a SCIM request (SCIM DELETE removed it); links an existing one', async () => {
    const deleted = setup();
    await processDeprovision(
      deleted.deps,
      request({
        source: 'scim',
        reason: 'scim.delete',
        subject: { idpUserId: 'scim-uuid-1', email: 'alice@example.com' },
      }),
      delivery,
    );
    expect(deleted.identityStore.snapshot()).toEqual([]);

    const scim: IdentityRecord = {
      id: 'scim-uuid-2',
      userName: 'alice@example.com',
      active: false,
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
      version: 2,
    };
    const existing = setup({ records: [scim] });
    await processDeprovision(
      existing.deps,
      request({
        source: 'scim',
        reason: 'scim.patch.active=false',
        subject: { idpUserId: 'scim-uuid-2', email: 'alice@example.com' },
      }),
      delivery,
    );
    expect(existing.identityStore.snapshot()).toEqual([
      {
        ...scim,
        helpCenterUserIds: { [HC1]: '1001', [HC2]: '2001' },
        version: 3,
        updatedAt: NOW.toISOString(),
      },
    ]);
  });

  it('a store failure is logged and the deprovision still completes', async () => {
    const { deps, identityStore, helpCenter, lines } = setup();
    identityStore.create = async () => {
      throw new TransientError('throttled');
    };
    const outcome = await processDeprovision(deps, request(), delivery);
    expect(outcome.kind).toBe('removed');
    expect(helpCenter.users.find((u) => u.id === '1001')?.groupIds).toEqual([]);
    expect(
      lines.find((l) => l.message.startsWith('identity link write-back failed')),
    ).toMatchObject({
      level: 'warn',
      extra: { failure: 'transient' },
    });
  });

  it('retries on a concurrent write and keeps a deactivation it did not see', async () => {
    const scim: IdentityRecord = {
      id: '00uALICE',
      idpUserId: '00uALICE',
      active: true,
      createdAt: '2026-11-01T00:00:00.000Z',
      updatedAt: '2026-11-01T00:00:00.000Z',
      version: 1,
    };
    const { deps, identityStore } = setup({ records: [scim] });
    const link = identityStore.linkHelpCenterUsers.bind(identityStore);
    let raced = false;
    identityStore.linkHelpCenterUsers = async (id, links, options) => {
      if (!raced) {
        raced = true;
        // SCIM PATCH active=false lands between the write-back's read and its write.
        await identityStore.put({ ...scim, active: false, version: 2 });
      }
      return link(id, links, options);
    };
    await processDeprovision(deps, request(), delivery);
    expect(identityStore.snapshot()).toEqual([
      expect.objectContaining({
        active: false,
        version: 3,
        helpCenterUserIds: { [HC1]: '1001', [HC2]: '2001' },
      }),
    ]);
  });
});
