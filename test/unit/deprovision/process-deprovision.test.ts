import { describe, expect, it } from 'vitest';
import { powertoolsIdempotency } from '#core/deprovision/idempotency.ts';
import { DirectoryCache } from '#core/deprovision/map-subject.ts';
import {
  type ProcessDeps,
  processDeprovision,
  RetryLaterError,
} from '#core/deprovision/process-deprovision.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { PermanentError, TransientError } from '#core/domain/errors.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryPersistenceLayer } from '../../../local/adapters/in-memory-idempotency.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';
import { InMemoryHelpCenter } from '../../helpers/in-memory-help-center.ts';
import { recordingLogger } from '../../helpers/recording-logger.ts';

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';
const NOW = new Date('2026-11-20T10:00:00.000Z');
const clock = { now: () => NOW };

function request(overrides: Partial<DeprovisionRequest> = {}): DeprovisionRequest {
  return {
    schemaVersion: 1,
    requestId: 'req-1',
    source: 'okta-event-hook',
    subject: { idpUserId: '00uALICE', email: 'alice@example.com' },
    reason: 'user.lifecycle.deactivate',
    occurredAt: '2026-11-20T09:59:00.000Z',
    receivedAt: '2026-11-20T09:59:01.000Z',
    ...overrides,
  };
}

/**
 * Alice narrowed to one help center: the failure queue of the in-memory Help Center is consumed in
 * call order, and a person's help centers are removed in parallel.
 */
function inOneHelpCenter(): DeprovisionRequest {
  return request({ helpCenterIds: [HC1] });
}

function setup(
  options: { guardMax?: number; idempotent?: boolean; maxReceiveCount?: number } = {},
) {
  const helpCenter = new InMemoryHelpCenter(
    [
      { id: '1001', email: 'alice@example.com', helpCenterId: HC1, groupIds: ['g1', 'g2'] },
      { id: '2001', email: 'Alice@Example.com', helpCenterId: HC2, groupIds: ['g3'] },
      { id: '1002', email: 'bob@example.com', helpCenterId: HC1, groupIds: ['g1'] },
      { id: '1003', email: 'shared@example.com', helpCenterId: HC1, groupIds: ['g1'] },
      { id: '1004', email: 'shared@example.com', helpCenterId: HC1, groupIds: ['g2'] },
      { id: '9001', email: 'other@example.com', helpCenterId: '7009', groupIds: ['g9'] },
    ],
    [
      { id: 'g1', helpCenterId: HC1 },
      { id: 'g2', helpCenterId: HC1 },
      { id: 'g3', helpCenterId: HC2 },
      { id: 'g9', helpCenterId: '7009' },
    ],
  );
  const deadLetters = new InMemoryDeadLetterQueue();
  const identityStore = new InMemoryIdentityStore();
  const sleeps: number[] = [];
  const persistence = new InMemoryPersistenceLayer();
  const idempotent = powertoolsIdempotency(persistence);
  idempotent.registerLambdaContext(lambdaContext);
  const deps: ProcessDeps = {
    helpCenter,
    identityStore,
    directory: new DirectoryCache(60_000, clock),
    deadLetters,
    guard: new InMemoryRateGuard(options.guardMax ?? 100, 300, clock),
    clock,
    logger: silentLogger,
    retry: {
      maxRetries: 2,
      baseDelayMs: 100,
      maxDelayMs: 1000,
      maxRetryAfterMs: 5000,
      sleep: async (ms) => {
        sleeps.push(ms);
      },
      random: () => 0.5,
    },
    helpCenterIds: [HC1, HC2],
    maxReceiveCount: options.maxReceiveCount ?? 5,
    dryRun: false,
    verifyAfterRemove: false,
    ...(options.idempotent === false ? {} : { idempotent }),
  };
  const delivery = (receiveCount = 1) => ({ messageId: `msg-${receiveCount}`, receiveCount });
  return { deps, helpCenter, deadLetters, identityStore, sleeps, delivery, persistence };
}

describe('processDeprovision', () => {
  it('removes the user from every group of every configured help center, found by exact email', async () => {
    const { deps, helpCenter, delivery } = setup();
    const outcome = await processDeprovision(deps, request(), delivery());
    expect(outcome.kind).toBe('removed');
    expect(helpCenter.calls).toEqual([
      'find alice@example.com',
      `remove ${HC1} 1001`,
      `remove ${HC2} 2001`,
    ]);
    expect(helpCenter.users.find((u) => u.id === '1001')?.groupIds).toEqual([]);
    expect(helpCenter.users.find((u) => u.id === '2001')?.groupIds).toEqual([]);
    expect(helpCenter.users.find((u) => u.id === '9001')?.groupIds).toEqual(['g9']);
  });

  it('acts only on the help centers the request names, within the configured ones', async () => {
    const { deps, helpCenter, delivery } = setup();
    await processDeprovision(deps, request({ helpCenterIds: [HC2, '7009'] }), delivery());
    expect(helpCenter.calls).toEqual(['find alice@example.com', `remove ${HC2} 2001`]);
  });

  it('is a no-op when nobody in the Help Center has the email', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ subject: { email: 'nobody@example.com' } }),
      delivery(),
    );
    expect(outcome).toMatchObject({ kind: 'no-op', reason: 'no Help Center user has this email' });
    expect(helpCenter.calls).toEqual(['find nobody@example.com']);
    expect(deadLetters.records).toHaveLength(0);
  });

  it('is a no-op without any call when the subject has no email and no identity record', async () => {
    const { deps, helpCenter, delivery } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ subject: { idpUserId: '00uX', login: 'xuser' } }),
      delivery(),
    );
    expect(outcome.kind).toBe('no-op');
    expect(helpCenter.calls).toEqual([]);
  });

  it('dead-letters an ambiguous match as `ambiguous` without removing anyone', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup();
    const outcome = await processDeprovision(
      deps,
      request({ subject: { email: 'shared@example.com' } }),
      delivery(),
    );
    expect(outcome.kind).toBe('dead-lettered');
    expect(helpCenter.calls.filter((c) => c.startsWith('remove'))).toEqual([]);
    expect(deadLetters.records).toHaveLength(1);
    expect(deadLetters.records[0]?.failure).toMatchObject({ kind: 'ambiguous', helpCenterId: HC1 });
    expect(deadLetters.records[0]?.failure.hint).toMatch(/duplicate/);
  });

  it('uses Help Center ids linked in the identity store instead of the directory', async () => {
    const { deps, helpCenter, identityStore, delivery } = setup();
    await identityStore.put({
      id: 'scim-1',
      userName: 'alice@example.com',
      active: false,
      helpCenterUserIds: { [HC1]: '1001', [HC2]: '2001' },
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: 2,
    });
    await processDeprovision(
      deps,
      request({ source: 'scim', subject: { idpUserId: 'scim-1' } }),
      delivery(),
    );
    expect(helpCenter.calls).toEqual([`remove ${HC1} 1001`, `remove ${HC2} 2001`]);
  });

  it('finds the email through the identity record when the request carries only the SCIM id', async () => {
    const { deps, helpCenter, identityStore, delivery } = setup();
    await identityStore.put({
      id: 'scim-2',
      userName: 'bob',
      email: 'BOB@example.com',
      active: false,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: 1,
    });
    const outcome = await processDeprovision(
      deps,
      request({ source: 'scim', subject: { idpUserId: 'scim-2', login: 'bob' } }),
      delivery(),
    );
    expect(outcome.kind).toBe('removed');
    expect(helpCenter.calls).toEqual(['find bob@example.com', `remove ${HC1} 1002`]);
  });

  it('finds the identity record SCIM stored with the IdP id as externalId (Graph delete by object id)', async () => {
    const { deps, helpCenter, identityStore, delivery } = setup();
    await identityStore.put({
      id: 'scim-3',
      userName: 'bob.upn@example.onmicrosoft.com',
      externalId: 'fc9a2c2b-1ddc-486d-a211-5fe8ca77fa1f',
      email: 'bob@example.com',
      active: true,
      createdAt: NOW.toISOString(),
      updatedAt: NOW.toISOString(),
      version: 1,
    });
    const outcome = await processDeprovision(
      deps,
      request({ source: 'graph', subject: { idpUserId: 'fc9a2c2b-1ddc-486d-a211-5fe8ca77fa1f' } }),
      delivery(),
    );
    expect(outcome.kind).toBe('removed');
    expect(helpCenter.calls).toEqual(['find bob@example.com', `remove ${HC1} 1002`]);
  });

  it('retries a transient failure in-call, honouring Retry-After, then succeeds', async () => {
    const { deps, helpCenter, sleeps, delivery } = setup();
    helpCenter.failures.remove = [
      new TransientError('429', { httpStatus: 429, retryAfterMs: 1500 }),
      new TransientError('503', { httpStatus: 503 }),
    ];
    const outcome = await processDeprovision(deps, inOneHelpCenter(), delivery());
    expect(outcome.kind).toBe('removed');
    expect(sleeps).toEqual([1500, 100]);
  });

  it('hands a persisting transient failure back to SQS before the last receive', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup();
    helpCenter.failures.remove = [
      new TransientError('a'),
      new TransientError('b'),
      new TransientError('c'),
    ];
    await expect(processDeprovision(deps, inOneHelpCenter(), delivery(1))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect(deadLetters.records).toHaveLength(0);
  });

  it('does not wait in-call for a Retry-After longer than the limit', async () => {
    const { deps, helpCenter, sleeps, delivery } = setup();
    helpCenter.failures.remove = [
      new TransientError('429', { httpStatus: 429, retryAfterMs: 60_000 }),
    ];
    await expect(processDeprovision(deps, request(), delivery(1))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect(sleeps).toEqual([]);
  });

  it('dead-letters a transient failure on the last receive with attempts and status', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup({ maxReceiveCount: 3 });
    helpCenter.failures.remove = [
      new TransientError('HTTP 503', { httpStatus: 503 }),
      new TransientError('HTTP 503', { httpStatus: 503 }),
      new TransientError('HTTP 503', { httpStatus: 503, errorCode: 'SERVICE_UNAVAILABLE' }),
    ];
    const outcome = await processDeprovision(deps, inOneHelpCenter(), delivery(3));
    expect(outcome.kind).toBe('dead-lettered');
    expect(deadLetters.records[0]).toMatchObject({
      schemaVersion: 1,
      request: inOneHelpCenter(),
      failure: { kind: 'transient', httpStatus: 503, errorCode: 'SERVICE_UNAVAILABLE' },
      attempts: 3,
      correlationId: 'msg-3',
      lastAttemptAt: NOW.toISOString(),
    });
  });

  it('dead-letters a permanent failure at once with its hint and the help center it failed in', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup();
    helpCenter.failures.remove = [
      new PermanentError('Scope mismatch', 'scope', {
        httpStatus: 403,
        errorCode: 'SCOPE_MISMATCH',
        hint: 'the token needs Desk.settings.DELETE or Desk.settings.ALL',
      }),
    ];
    const outcome = await processDeprovision(deps, request(), delivery(1));
    expect(outcome.kind).toBe('dead-lettered');
    expect(deadLetters.records[0]?.failure).toEqual({
      kind: 'scope',
      message: 'Scope mismatch',
      httpStatus: 403,
      errorCode: 'SCOPE_MISMATCH',
      hint: 'the token needs Desk.settings.DELETE or Desk.settings.ALL',
      helpCenterId: HC1,
    });
  });

  it('holds requests past the guard limit and lets a released one through', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup({ guardMax: 1 });
    await processDeprovision(deps, request(), delivery());
    const held = await processDeprovision(
      deps,
      request({ requestId: 'req-2', subject: { email: 'bob@example.com' } }),
      delivery(),
    );
    expect(held.kind).toBe('held');
    expect(deadLetters.records[0]?.failure.kind).toBe('held');
    expect(helpCenter.calls.filter((c) => c.includes('1002'))).toEqual([]);
    const released = await processDeprovision(
      deps,
      request({ requestId: 'req-2', subject: { email: 'bob@example.com' } }),
      { messageId: 'm', receiveCount: 1, guardReleased: true },
    );
    expect(released.kind).toBe('removed');
  });

  it('checks the guard on every receive, counting a retried request once', async () => {
    const { deps, helpCenter, delivery } = setup({ guardMax: 1 });
    helpCenter.failures.remove = [
      new TransientError('a'),
      new TransientError('b'),
      new TransientError('c'),
    ];
    await expect(processDeprovision(deps, inOneHelpCenter(), delivery(1))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    // The retry of the admitted request is admitted again; a second request is not.
    expect((await processDeprovision(deps, inOneHelpCenter(), delivery(2))).kind).toBe('removed');
    const other = request({ requestId: 'req-2', subject: { email: 'bob@example.com' } });
    expect((await processDeprovision(deps, other, delivery(2))).kind).toBe('held');
  });

  it('does not skip the guard on a later receive when it failed on the first', async () => {
    const { deps, deadLetters, delivery } = setup({ guardMax: 0 });
    const admit = deps.guard.admit.bind(deps.guard);
    let calls = 0;
    deps.guard = {
      admit: async (id) => {
        calls += 1;
        // Fails every in-call attempt of the first receive.
        if (calls <= deps.retry.maxRetries + 1) throw new TransientError('DynamoDB throttled');
        return admit(id);
      },
    };
    await expect(processDeprovision(deps, request(), delivery(1))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    expect((await processDeprovision(deps, request(), delivery(2))).kind).toBe('held');
    expect(deadLetters.records[0]?.failure.kind).toBe('held');
  });

  it('retries a throttled guard in-call and logs each in-call retry', async () => {
    const { deps, delivery, sleeps } = setup();
    const { logger, lines } = recordingLogger();
    deps.logger = logger;
    const admit = deps.guard.admit.bind(deps.guard);
    let calls = 0;
    deps.guard = {
      admit: async (id) => {
        calls += 1;
        if (calls === 1) {
          throw new TransientError(
            'Rate guard update failed: ProvisionedThroughputExceededException',
            {
              errorCode: 'ProvisionedThroughputExceededException',
            },
          );
        }
        return admit(id);
      },
    };
    expect((await processDeprovision(deps, request(), delivery(1))).kind).toBe('removed');
    expect(calls).toBe(2);
    expect(sleeps).toEqual([50]);
    expect(lines.filter((l) => l.message === 'retrying in-call')).toEqual([
      {
        level: 'warn',
        message: 'retrying in-call',
        extra: expect.objectContaining({
          requestId: 'req-1',
          retry: 1,
          delayMs: 50,
          failure: 'transient',
          errorCode: 'ProvisionedThroughputExceededException',
        }),
      },
    ]);
  });

  it('treats an unknown error as transient, in-call and across receives alike', async () => {
    const { deps, helpCenter, deadLetters, delivery, sleeps } = setup({ maxReceiveCount: 2 });
    helpCenter.failures.remove = [
      new TypeError('boom'),
      new TypeError('boom'),
      new TypeError('boom'),
    ];
    await expect(processDeprovision(deps, inOneHelpCenter(), delivery(1))).rejects.toBeInstanceOf(
      RetryLaterError,
    );
    // Tried once and retried maxRetries (2) times in-call, like any transient failure.
    expect(sleeps).toHaveLength(2);
    helpCenter.failures.remove = [
      new TypeError('boom'),
      new TypeError('boom'),
      new TypeError('boom'),
    ];
    const outcome = await processDeprovision(deps, inOneHelpCenter(), delivery(2));
    expect(outcome).toEqual({
      kind: 'dead-lettered',
      failure: { kind: 'transient', message: 'TypeError: boom', helpCenterId: HC1 },
    });
    expect(deadLetters.records).toHaveLength(1);
  });

  it('removes once when the same requestId is delivered twice', async () => {
    const { deps, helpCenter, delivery } = setup();
    const first = await processDeprovision(deps, request(), delivery());
    const second = await processDeprovision(deps, request(), {
      messageId: 'other',
      receiveCount: 1,
    });
    expect(first).toMatchObject({ kind: 'removed', duplicate: false });
    expect(second).toMatchObject({ kind: 'removed', duplicate: true });
    expect(helpCenter.calls.filter((c) => c.startsWith('remove'))).toHaveLength(2);
  });

  it('does not skip another person whose request reuses a requestId (same or other source)', async () => {
    const { deps, helpCenter, delivery } = setup();
    await processDeprovision(deps, request({ requestId: 'msg_1', source: 'webhook' }), delivery());
    const other = request({
      requestId: 'msg_1',
      source: 'graph',
      subject: { email: 'bob@example.com' },
    });
    const second = await processDeprovision(deps, other, delivery());
    expect(second).toMatchObject({ kind: 'removed', duplicate: false });
    const sameSource = request({
      requestId: 'msg_1',
      source: 'webhook',
      subject: { email: 'shared@example.com' },
    });
    // Same source, same id, another subject: not deduplicated either (here it is ambiguous).
    expect((await processDeprovision(deps, sameSource, delivery())).kind).toBe('dead-lettered');
    expect(helpCenter.calls).toContain(`remove ${HC1} 1002`);
  });

  it('runs a dead-lettered request again when it is redriven with the same requestId', async () => {
    const { deps, helpCenter, delivery } = setup();
    helpCenter.failures.remove = [new PermanentError('nope', 'permanent', { httpStatus: 422 })];
    expect((await processDeprovision(deps, request(), delivery())).kind).toBe('dead-lettered');
    expect((await processDeprovision(deps, request(), delivery())).kind).toBe('removed');
  });

  it('in dry run sends the removal as a dry run and holds the request for a later redrive', async () => {
    const { deps, helpCenter, deadLetters, delivery, persistence } = setup();
    deps.dryRun = true;
    const outcome = await processDeprovision(deps, request(), delivery());
    expect(helpCenter.calls).toContain(`remove ${HC1} 1001 (dry run)`);
    expect(helpCenter.users.find((u) => u.id === '1001')?.groupIds).toEqual(['g1', 'g2']);
    expect(outcome.kind).toBe('held');
    expect(deadLetters.records[0]?.failure).toMatchObject({
      kind: 'held',
      hint: expect.stringMatching(/DRY_RUN off/),
    });
    expect(persistence.size).toBe(0);
    deps.dryRun = false;
    const released = await processDeprovision(deps, request(), {
      messageId: 'm',
      receiveCount: 1,
      guardReleased: true,
    });
    expect(released.kind).toBe('removed');
  });

  it('logs a dry run hold as a warning, and a guard hold as an error', async () => {
    const dry = setup();
    const dryLog = recordingLogger();
    dry.deps.logger = dryLog.logger;
    dry.deps.dryRun = true;
    expect((await processDeprovision(dry.deps, request(), dry.delivery())).kind).toBe('held');
    expect(
      dryLog.lines.filter((l) => l.message === 'deprovision held').map((l) => l.level),
    ).toEqual(['warn']);

    const guarded = setup({ guardMax: 0 });
    const guardLog = recordingLogger();
    guarded.deps.logger = guardLog.logger;
    expect((await processDeprovision(guarded.deps, request(), guarded.delivery())).kind).toBe(
      'held',
    );
    expect(
      guardLog.lines.filter((l) => l.message === 'deprovision held').map((l) => l.level),
    ).toEqual(['error']);
  });

  it('in dry run still ends a request for nobody as a no-op', async () => {
    const { deps, deadLetters, delivery } = setup();
    deps.dryRun = true;
    const outcome = await processDeprovision(
      deps,
      request({ subject: { email: 'nobody@example.com' } }),
      delivery(),
    );
    expect(outcome.kind).toBe('no-op');
    expect(deadLetters.records).toHaveLength(0);
  });

  it('with verify-after dead-letters a removal that left groups behind on the last receive', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup({ maxReceiveCount: 1 });
    deps.verifyAfterRemove = true;
    helpCenter.removalIsIneffective = true;
    const outcome = await processDeprovision(deps, request(), delivery(1));
    expect(outcome.kind).toBe('dead-lettered');
    expect(deadLetters.records[0]?.failure.message).toMatch(/still in 2 group/);
  });

  it('throws (so the message stays) when the dead-letter write fails', async () => {
    const { deps, helpCenter, deadLetters, delivery } = setup();
    helpCenter.failures.remove = [new PermanentError('nope', 'permanent')];
    deadLetters.failNext = true;
    await expect(processDeprovision(deps, request(), delivery())).rejects.toThrow(/dead-letter/);
  });
});
