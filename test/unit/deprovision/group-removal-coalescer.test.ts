import { describe, expect, it, vi } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { createWorkerHandler, type WorkerDeps } from '#core/deprovision/batch.ts';
import { coalesceGroupRemovals } from '#core/deprovision/group-removal-coalescer.ts';
import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { PermanentError, TransientError } from '#core/domain/errors.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { NO_RETRY } from '../../helpers/process-deps.ts';
import { sqsEvent, sqsRecord } from '../../helpers/sqs-event.ts';

const HC = '7001000000000001';
const GROUP = '8001';
const OTHER = '8002';
const NOW = new Date('2026-11-20T10:00:00.000Z');
const clock = { now: () => NOW };

function people(n: number) {
  return Array.from({ length: n }, (_, i) => ({
    id: String(1000 + i),
    email: `person${i}@example.com`,
    helpCenterId: HC,
    groupIds: [GROUP, OTHER],
  }));
}

const groupCalls = (hc: InMemoryHelpCenter) =>
  hc.calls.filter((c) => c.startsWith('remove-from-group'));

describe('coalesceGroupRemovals', () => {
  it('sends removals for one group within the window as one call, each caller settled', async () => {
    const inner = new InMemoryHelpCenter(people(30), []);
    const hc = coalesceGroupRemovals(inner, { windowMs: 20, maxUsers: 100 });
    const results = await Promise.all(
      inner.users.map((u) => hc.removeUsersFromGroup(HC, GROUP, [u.id])),
    );
    expect(results).toHaveLength(30);
    expect(groupCalls(inner)).toEqual([
      `remove-from-group ${HC} ${GROUP} ${inner.users.map((u) => u.id).join(',')}`,
    ]);
    expect(inner.users.every((u) => u.groupIds.join() === OTHER)).toBe(true);
  });

  it('with maxWaitMs the window slides: arrivals less than windowMs apart share one call, up to maxWaitMs', async () => {
    vi.useFakeTimers();
    try {
      const inner = new InMemoryHelpCenter(people(12), []);
      const hc = coalesceGroupRemovals(inner, { windowMs: 100, maxWaitMs: 1000, maxUsers: 100 });
      const settled: Promise<unknown>[] = [];
      // 12 arrivals 80 ms apart (0..880 ms): a fixed 100 ms window would split them into 6 calls;
      // the sliding one keeps them together (the last joins before the 1 s cap).
      for (const u of inner.users) {
        settled.push(hc.removeUsersFromGroup(HC, GROUP, [u.id]));
        await vi.advanceTimersByTimeAsync(80);
      }
      await vi.advanceTimersByTimeAsync(1000);
      await Promise.all(settled);
      expect(groupCalls(inner).map((c) => c.split(' ')[3]?.split(',').length)).toEqual([12]);
      // A lone removal still waits only windowMs.
      const lone = hc.removeUsersFromGroup(HC, OTHER, ['1000']);
      await vi.advanceTimersByTimeAsync(99);
      expect(groupCalls(inner)).toHaveLength(1);
      await vi.advanceTimersByTimeAsync(1);
      await lone;
      expect(groupCalls(inner)).toHaveLength(2);
    } finally {
      vi.useRealTimers();
    }
  });

  it('with maxWaitMs a steady stream is still cut at maxWaitMs after the first arrival', async () => {
    vi.useFakeTimers();
    try {
      const inner = new InMemoryHelpCenter(people(20), []);
      const hc = coalesceGroupRemovals(inner, { windowMs: 100, maxWaitMs: 500, maxUsers: 100 });
      const settled: Promise<unknown>[] = [];
      for (const u of inner.users) {
        settled.push(hc.removeUsersFromGroup(HC, GROUP, [u.id]));
        await vi.advanceTimersByTimeAsync(50);
      }
      await vi.advanceTimersByTimeAsync(1000);
      await Promise.all(settled);
      // Arrivals at 0..450 ms (10) go at 500 ms; 500..950 ms (10) share the next call.
      expect(groupCalls(inner).map((c) => c.split(' ')[3]?.split(',').length)).toEqual([10, 10]);
    } finally {
      vi.useRealTimers();
    }
  });

  it('never puts more than maxUsers ids in one call, and keeps groups apart', async () => {
    const inner = new InMemoryHelpCenter(people(130), []);
    const hc = coalesceGroupRemovals(inner, { windowMs: 20, maxUsers: 100 });
    await Promise.all([
      ...inner.users.map((u) => hc.removeUsersFromGroup(HC, GROUP, [u.id])),
      hc.removeUsersFromGroup(HC, OTHER, ['1000']),
    ]);
    const sizes = groupCalls(inner).map((c) => c.split(' ')[3]?.split(',').length);
    expect(groupCalls(inner)).toHaveLength(3);
    expect(sizes.sort((a, b) => (a ?? 0) - (b ?? 0))).toEqual([1, 30, 100]);
  });

  it('fails every caller on a transient error (each retries on its own)', async () => {
    const inner = new InMemoryHelpCenter(people(3), []);
    inner.failures.remove = [new TransientError('503')];
    const hc = coalesceGroupRemovals(inner, { windowMs: 10, maxUsers: 100 });
    const settled = await Promise.allSettled(
      inner.users.map((u) => hc.removeUsersFromGroup(HC, GROUP, [u.id])),
    );
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'rejected', 'rejected']);
    expect(groupCalls(inner)).toHaveLength(1);
  });

  it('retries a permanently refused shared call person by person: only the refused one fails', async () => {
    const inner = new InMemoryHelpCenter(people(3), []);
    // Shared call refused, then person 1000 refused again, 1001 and 1002 succeed.
    inner.failures.remove = [new PermanentError('shared refused'), new PermanentError('refused')];
    const hc = coalesceGroupRemovals(inner, { windowMs: 10, maxUsers: 100 });
    const settled = await Promise.allSettled(
      inner.users.map((u) => hc.removeUsersFromGroup(HC, GROUP, [u.id])),
    );
    expect(settled.map((s) => s.status)).toEqual(['rejected', 'fulfilled', 'fulfilled']);
    expect(groupCalls(inner)).toHaveLength(4);
  });

  it('passes an empty userIds straight through (the client refuses it)', async () => {
    const inner = new InMemoryHelpCenter([], []);
    const hc = coalesceGroupRemovals(inner, { windowMs: 10, maxUsers: 100 });
    await expect(hc.removeUsersFromGroup(HC, GROUP, [])).rejects.toThrow(/empty/);
  });
});

describe('worker batch with group-level requests', () => {
  it('30 people leaving one mapped group in one SQS batch produce one group-centric call', async () => {
    const inner = new InMemoryHelpCenter(people(30), [
      { id: GROUP, helpCenterId: HC },
      { id: OTHER, helpCenterId: HC },
    ]);
    const deadLetters = new InMemoryDeadLetterQueue();
    const deps: WorkerDeps = {
      // A window no loaded machine can outlast: the one call goes out when the 30th person joins
      // (maxUsers reached), so the result cannot depend on timing. Were any record not to reach
      // the coalescer, the batch would wait out the window and the test time out.
      helpCenter: coalesceGroupRemovals(inner, { windowMs: 600_000, maxUsers: 30 }),
      identityStore: new InMemoryIdentityStore(),
      directory: new DirectoryCache(60_000, clock),
      deadLetters,
      guard: new InMemoryRateGuard(100, 300, clock),
      clock,
      logger: silentLogger,
      retry: NO_RETRY,
      helpCenterIds: [HC],
      maxReceiveCount: 5,
      dryRun: false,
      verifyAfterRemove: false,
      groupMapping: parseGroupMapping(
        JSON.stringify([{ idpGroupId: '00gPARTNERS', helpCenterId: HC, groupId: GROUP }]),
      ),
    };
    const requests: DeprovisionRequest[] = inner.users.map((u, i) => ({
      schemaVersion: 1,
      requestId: `leave-${i}`,
      source: 'okta-event-hook',
      subject: { email: u.email },
      reason: 'group.user_membership.remove',
      occurredAt: '2026-11-20T09:59:00.000Z',
      receivedAt: '2026-11-20T09:59:01.000Z',
      scope: { kind: 'group', idpGroupId: '00gPARTNERS', helpCenterId: HC, groupId: GROUP },
    }));
    const handler = createWorkerHandler(deps);
    const response = await handler(
      sqsEvent(requests.map((r, i) => sqsRecord(r, { messageId: `m-${i}` }))),
      lambdaContext,
    );
    expect(response.batchItemFailures).toEqual([]);
    expect(groupCalls(inner)).toHaveLength(1);
    expect(groupCalls(inner)[0]?.split(' ')[3]?.split(',')).toHaveLength(30);
    expect(inner.users.every((u) => u.groupIds.join() === OTHER)).toBe(true);
    expect(deadLetters.records).toEqual([]);
  });
});
