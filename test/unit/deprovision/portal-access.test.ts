import { describe, expect, it } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { powertoolsIdempotency } from '#core/deprovision/idempotency.ts';
import { processDeprovision, RetryLaterError } from '#core/deprovision/process-deprovision.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { PermanentError } from '#core/domain/errors.ts';
import { InMemoryPersistenceLayer } from '../../../local/adapters/in-memory-idempotency.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { processDeps } from '../../helpers/process-deps.ts';
import { recordingLogger } from '../../helpers/recording-logger.ts';

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const NOW = new Date('2026-11-20T10:00:00.000Z');
const clock = { now: () => NOW };
const PARTNERS = { idpGroupId: '00gPARTNERS', helpCenterId: HC1, groupId: '8001' };

function request(overrides: Partial<DeprovisionRequest> = {}): DeprovisionRequest {
  return {
    schemaVersion: 1,
    requestId: 'req-portal',
    source: 'okta-event-hook',
    subject: { idpUserId: '00uALICE', email: 'alice@example.com' },
    reason: 'user.lifecycle.deactivate',
    occurredAt: '2026-11-20T09:59:00.000Z',
    receivedAt: '2026-11-20T09:59:01.000Z',
    ...overrides,
  };
}

function setup(
  options: { portal?: boolean; verify?: boolean; dryRun?: boolean; maxReceiveCount?: number } = {},
) {
  const helpCenter = new InMemoryHelpCenter(
    [
      { id: '1001', email: 'alice@example.com', helpCenterId: HC1, groupIds: ['8001', '8002'] },
      { id: '2001', email: 'alice@example.com', helpCenterId: HC2, groupIds: ['8003'] },
    ],
    [
      { id: '8001', helpCenterId: HC1 },
      { id: '8002', helpCenterId: HC1 },
      { id: '8003', helpCenterId: HC2 },
    ],
  );
  const deadLetters = new InMemoryDeadLetterQueue();
  const { logger, lines } = recordingLogger();
  const idempotent = powertoolsIdempotency(new InMemoryPersistenceLayer());
  idempotent.registerLambdaContext(lambdaContext);
  const deps = processDeps({
    helpCenter,
    deadLetters,
    clock,
    logger,
    maxReceiveCount: options.maxReceiveCount ?? 5,
    dryRun: options.dryRun ?? false,
    verifyAfterRemove: options.verify ?? false,
    groupMapping: parseGroupMapping(JSON.stringify([PARTNERS])),
    idempotent,
    ...(options.portal === false ? {} : { portalAccess: helpCenter }),
  });
  return { deps, helpCenter, deadLetters, lines };
}

const delivery = (receiveCount = 1) => ({ messageId: `msg-${receiveCount}`, receiveCount });
const statusOf = (hc: InMemoryHelpCenter, id: string) =>
  hc.users.find((u) => u.id === id)?.status ?? 'ACTIVE';

describe('processDeprovision with portal access removal on', () => {
  it('removes the groups first, then the portal access, in every help center, and logs both per user', async () => {
    const { deps, helpCenter, lines } = setup();
    const outcome = await processDeprovision(deps, request(), delivery());
    expect(outcome).toMatchObject({
      kind: 'removed',
      removals: [
        { helpCenterId: HC1, userId: '1001', outcome: 'removed', portalAccess: 'removed' },
        { helpCenterId: HC2, userId: '2001', outcome: 'removed', portalAccess: 'removed' },
      ],
    });
    const hc1 = helpCenter.calls.filter((c) => c.includes(HC1));
    expect(hc1).toEqual([`remove ${HC1} 1001`, `portal ${HC1} 1001`]);
    const hc2 = helpCenter.calls.filter((c) => c.includes(HC2));
    expect(hc2).toEqual([`remove ${HC2} 2001`, `portal ${HC2} 2001`]);
    expect(statusOf(helpCenter, '1001')).toBe('DELETED');
    expect(statusOf(helpCenter, '2001')).toBe('DELETED');
    const finished = lines.find((l) => l.message === 'deprovision finished');
    expect(finished?.extra?.removals).toEqual([
      {
        helpCenterId: HC1,
        userId: '1001',
        outcome: 'removed',
        status: 204,
        groupsRemoved: 2,
        portalAccess: 'removed',
      },
      {
        helpCenterId: HC2,
        userId: '2001',
        outcome: 'removed',
        status: 204,
        groupsRemoved: 1,
        portalAccess: 'removed',
      },
    ]);
  });

  it('is not called when the setting is off', async () => {
    const { deps, helpCenter } = setup({ portal: false });
    const outcome = await processDeprovision(deps, request(), delivery());
    expect(outcome.kind).toBe('removed');
    expect(helpCenter.calls.filter((c) => c.startsWith('portal'))).toEqual([]);
    expect(statusOf(helpCenter, '1001')).toBe('ACTIVE');
  });

  it('is never used by a group-level request', async () => {
    const { deps, helpCenter } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ scope: { kind: 'group', ...PARTNERS }, reason: 'group.user_membership.remove' }),
      delivery(),
    );
    expect(outcome.kind).toBe('removed');
    expect(helpCenter.calls.filter((c) => c.startsWith('portal'))).toEqual([]);
    expect(statusOf(helpCenter, '1001')).toBe('ACTIVE');
  });

  it('in dry run asks for the removal in dry-run mode only and holds the request', async () => {
    const { deps, helpCenter, deadLetters } = setup({ dryRun: true });
    const outcome = await processDeprovision(deps, request(), delivery());
    expect(outcome.kind).toBe('held');
    expect(helpCenter.calls.filter((c) => c.startsWith('portal'))).toEqual([
      `portal ${HC1} 1001 (dry run)`,
      `portal ${HC2} 2001 (dry run)`,
    ]);
    expect(statusOf(helpCenter, '1001')).toBe('ACTIVE');
    expect(deadLetters.records[0]?.failure.kind).toBe('held');
  });

  it('verify-after reads the status back and retries while the user is still ACTIVE', async () => {
    const { deps, helpCenter } = setup({ verify: true });
    helpCenter.portalRemovalIsIneffective = true;
    await expect(processDeprovision(deps, request(), delivery())).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect(helpCenter.calls).toContain(`status ${HC1} 1001`);
    helpCenter.portalRemovalIsIneffective = false;
    const outcome = await processDeprovision(deps, request(), delivery(2));
    expect(outcome.kind).toBe('removed');
    expect(statusOf(helpCenter, '1001')).toBe('DELETED');
  });

  it('dead-letters a scope failure of the portal removal; the redrive finds the groups gone and completes', async () => {
    const { deps, helpCenter, deadLetters } = setup();
    helpCenter.failures.portal = [
      new PermanentError('Help Center answered 403 SCOPE_MISMATCH to removePortalUser', 'scope', {
        httpStatus: 403,
        errorCode: 'SCOPE_MISMATCH',
        hint: 'removePortalUser needs Desk.settings.DELETE or Desk.basic.DELETE',
      }),
    ];
    const first = await processDeprovision(deps, request({ helpCenterIds: [HC1] }), delivery());
    expect(first.kind).toBe('dead-lettered');
    expect(deadLetters.records[0]?.failure).toMatchObject({
      kind: 'scope',
      errorCode: 'SCOPE_MISMATCH',
      helpCenterId: HC1,
    });
    expect(deadLetters.records[0]?.failure.hint).toContain('Desk.settings.DELETE');
    expect(helpCenter.users.find((u) => u.id === '1001')?.groupIds).toEqual([]);

    // The redrive: same requestId, the groups are already gone (no-op), the portal call succeeds.
    const callsBefore = helpCenter.calls.length;
    const redriven = await processDeprovision(deps, request({ helpCenterIds: [HC1] }), delivery());
    expect(redriven).toMatchObject({
      kind: 'removed',
      duplicate: false,
      removals: [
        {
          helpCenterId: HC1,
          userId: '1001',
          outcome: 'removed',
          groupIds: [],
          portalAccess: 'removed',
        },
      ],
    });
    expect(redriven.kind === 'removed' && redriven.removals.map((r) => r.groupIds)).toEqual([[]]);
    expect(helpCenter.calls.slice(callsBefore).filter((c) => c.includes(HC1))).toEqual([
      `remove ${HC1} 1001`,
      `portal ${HC1} 1001`,
    ]);
    expect(statusOf(helpCenter, '1001')).toBe('DELETED');
    // A third delivery is a duplicate of a completed request: nothing is called again.
    const before = helpCenter.calls.length;
    const again = await processDeprovision(deps, request({ helpCenterIds: [HC1] }), delivery());
    expect(again).toMatchObject({ kind: 'removed', duplicate: true });
    expect(helpCenter.calls.length).toBe(before);
  });

  it('counts an already removed portal user (404) as done, not as a failure', async () => {
    const { deps, helpCenter } = setup();
    helpCenter.users.splice(
      helpCenter.users.findIndex((u) => u.id === '2001'),
      1,
      { id: '2001', email: 'alice@example.com', helpCenterId: HC2, groupIds: [] },
    );
    const portal = helpCenter.removePortalUser.bind(helpCenter);
    helpCenter.removePortalUser = async (hc, id, options) =>
      hc === HC2
        ? {
            helpCenterId: hc,
            userId: id,
            outcome: 'already-removed',
            httpStatus: 404,
            calls: 1,
            dryRun: false,
          }
        : portal(hc, id, options);
    const outcome = await processDeprovision(deps, request(), delivery());
    expect(outcome).toMatchObject({
      kind: 'removed',
      removals: [
        { helpCenterId: HC1, outcome: 'removed', portalAccess: 'removed' },
        { helpCenterId: HC2, outcome: 'no-op', portalAccess: 'already-removed' },
      ],
    });
  });
});
