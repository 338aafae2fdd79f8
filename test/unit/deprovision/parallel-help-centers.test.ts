import { describe, expect, it } from 'vitest';
import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import { type ProcessDeps, processDeprovision } from '#core/deprovision/process-deprovision.ts';
import { PermanentError } from '#core/domain/errors.ts';
import type { HelpCenter } from '#core/ports/help-center.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';

const HCS = ['7001000000000001', '7001000000000002', '7001000000000003'];
const clock = { now: () => new Date('2026-12-04T10:00:00.000Z') };

/** The in-memory Help Center, with every removal taking `delayMs` and the peak of removals in flight. */
function slowHelpCenter(delayMs: number, failIn?: string) {
  const inner = new InMemoryHelpCenter(
    HCS.map((hc, i) => ({
      id: `10${i}`,
      email: 'alice@example.com',
      helpCenterId: hc,
      groupIds: [`g${i}`],
    })),
    HCS.map((hc, i) => ({ id: `g${i}`, helpCenterId: hc })),
  );
  const stats = { inFlight: 0, peak: 0, finished: [] as string[] };
  const helpCenter: HelpCenter = {
    findUsersByEmail: (email) => inner.findUsersByEmail(email),
    listUserGroups: (id) => inner.listUserGroups(id),
    removeUsersFromGroup: (hc, groupId, userIds, options) =>
      inner.removeUsersFromGroup(hc, groupId, userIds, options),
    removeUserFromAllGroups: async (hc, userId, options) => {
      stats.inFlight += 1;
      stats.peak = Math.max(stats.peak, stats.inFlight);
      await new Promise((r) => setTimeout(r, delayMs));
      stats.inFlight -= 1;
      stats.finished.push(hc);
      if (hc === failIn) throw new PermanentError('refused', 'permanent', { httpStatus: 403 });
      return inner.removeUserFromAllGroups(hc, userId, options);
    },
  };
  return { helpCenter, inner, stats };
}

function deps(helpCenter: HelpCenter, deadLetters = new InMemoryDeadLetterQueue()): ProcessDeps {
  return {
    helpCenter,
    identityStore: new InMemoryIdentityStore(),
    directory: new DirectoryCache(60_000, clock),
    deadLetters,
    guard: new InMemoryRateGuard(100, 300, clock),
    clock,
    logger: silentLogger,
    retry: { maxRetries: 0, baseDelayMs: 1, maxDelayMs: 1, maxRetryAfterMs: 1 },
    helpCenterIds: HCS,
    maxReceiveCount: 1,
    dryRun: false,
    verifyAfterRemove: false,
  };
}

const request = {
  schemaVersion: 1 as const,
  requestId: 'req-par',
  source: 'manual' as const,
  subject: { email: 'alice@example.com' },
  reason: 'test',
  occurredAt: '2026-12-04T09:59:00.000Z',
  receivedAt: '2026-12-04T09:59:01.000Z',
};

describe('one person in several help centers', () => {
  it('removes them from every help center in parallel, reported in help-center order', async () => {
    const { helpCenter, inner, stats } = slowHelpCenter(30);
    const outcome = await processDeprovision(deps(helpCenter), request, {
      messageId: 'm1',
      receiveCount: 1,
    });
    expect(stats.peak).toBe(3);
    expect(outcome).toMatchObject({
      kind: 'removed',
      removals: HCS.map((hc) => ({ helpCenterId: hc, outcome: 'removed' })),
    });
    for (let i = 0; i < HCS.length; i += 1)
      expect(await inner.listUserGroups(`10${i}`)).toEqual([]);
  });

  it('lets every help center settle before reporting the first failure', async () => {
    const deadLetters = new InMemoryDeadLetterQueue();
    const { helpCenter, stats } = slowHelpCenter(20, HCS[0]);
    const outcome = await processDeprovision(deps(helpCenter, deadLetters), request, {
      messageId: 'm1',
      receiveCount: 1,
    });
    expect([...stats.finished].sort()).toEqual([...HCS].sort());
    expect(stats.inFlight).toBe(0);
    expect(outcome).toMatchObject({
      kind: 'dead-lettered',
      failure: { kind: 'permanent', httpStatus: 403 },
    });
    expect(deadLetters.records).toHaveLength(1);
  });
});
