import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import {
  type Outcome,
  processDeprovision,
  RetryLaterError,
} from '#core/deprovision/process-deprovision.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { systemClock } from '#core/ports/clock.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryPersistenceLayer } from '../../../local/adapters/in-memory-idempotency.ts';
import { InMemoryIdentityStore } from '../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../../../local/adapters/in-memory-rate-guard.ts';
import { InProcessTokenRefresher } from '../../../local/adapters/in-process-token-refresher.ts';
import {
  loadSeed,
  type Sandbox,
  seedOAuthSecret,
  startSandbox,
} from '../../../local/sandbox/server.ts';
import { InMemoryDeadLetterQueue } from '../../doubles/in-memory-dead-letter-queue.ts';
import { StaticSecretSource } from '../../doubles/static-secret-source.ts';
import { lambdaContext } from '../../helpers/api-gateway.ts';

/**
 * The worker's fault table, one row per fault, over real sockets against the sandbox Help Center:
 * the whole worker graph (Zoho client, shared token, refresher, retries, classification) with
 * in-memory queues. Each request is delivered again, as SQS would, until it reaches an end.
 */

const ROOT = join(import.meta.dirname, '..', '..', '..');
const BOB = '7001000000118002';
const MAX_RECEIVES = 3;

let sandbox: Sandbox;

beforeAll(async () => {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  sandbox = await startSandbox({ seed, mintLimit: { max: 1000, windowMs: 600_000 } });
});

afterAll(async () => {
  await sandbox.close();
});

async function fault(body: Record<string, unknown>) {
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
}

async function bobGroups(): Promise<string[]> {
  const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
    users: Array<{ id: string; groupIds: string[] }>;
  };
  return state.users.find((u) => u.id === BOB)?.groupIds ?? [];
}

/** A fresh worker (own token secret, queues, idempotency) against the shared sandbox. */
async function worker() {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  const secrets = new StaticSecretSource({
    oauth: JSON.stringify(seedOAuthSecret(seed, sandbox.url)),
  });
  const dispatcher = createZohoAgent({ timeoutMs: 400, connections: 5 });
  const deadLetters = new InMemoryDeadLetterQueue();
  const sleeps: number[] = [];
  const deps = await assembleWorker(
    {
      dialect: 'user-groups-delete',
      helpCenterBaseUrl: sandbox.url,
      concurrency: 5,
      timeoutMs: 400,
      maxReceiveCount: MAX_RECEIVES,
      maxInCallRetries: 2,
      dryRun: false,
      verifyAfterRemove: false,
      guardMaxRequests: 1000,
      guardWindowSeconds: 300,
    },
    {
      secrets,
      oauthSecretId: 'oauth',
      tokenSecretId: 'token',
      refresher: new InProcessTokenRefresher({
        secrets,
        writer: secrets,
        minter: new ZohoAccountsClient(dispatcher, { timeoutMs: 400 }),
        oauthSecretId: 'oauth',
        tokenSecretId: 'token',
        logger: silentLogger,
      }),
      identityStore: new InMemoryIdentityStore(),
      deadLetters,
      guard: new InMemoryRateGuard(1000, 300, systemClock),
      persistence: new InMemoryPersistenceLayer(),
      dispatcher,
      logger: silentLogger,
    },
  );
  // Record the backoff instead of waiting for it (the policy itself is unit-tested).
  deps.retry = {
    ...deps.retry,
    sleep: async (ms) => {
      sleeps.push(ms);
    },
  };
  deps.onInvocation?.(lambdaContext);
  return { deps, deadLetters, sleeps, close: () => dispatcher.close() };
}

interface Ending {
  outcome: Outcome['kind'];
  receives: number;
  record?: DeadLetterRecord;
}

/** Delivers one request like SQS: again after each RetryLaterError, up to the maximum receives. */
async function deliver(email: string, requestId: string): Promise<Ending & { sleeps: number[] }> {
  const w = await worker();
  try {
    for (let receive = 1; receive <= MAX_RECEIVES; receive += 1) {
      try {
        const outcome = await processDeprovision(
          w.deps,
          {
            schemaVersion: 1,
            requestId,
            source: 'okta-event-hook',
            subject: { email },
            reason: 'user.lifecycle.deactivate',
            occurredAt: '2026-11-26T09:00:00.000Z',
            receivedAt: '2026-11-26T09:00:01.000Z',
          },
          { messageId: `${requestId}-${receive}`, receiveCount: receive },
        );
        return {
          outcome: outcome.kind,
          receives: receive,
          ...(w.deadLetters.records[0] ? { record: w.deadLetters.records[0] } : {}),
          sleeps: w.sleeps,
        };
      } catch (error) {
        if (!(error instanceof RetryLaterError)) throw error;
      }
    }
    throw new Error(`request ${requestId} was lost: no end after ${MAX_RECEIVES} receives`);
  } finally {
    await w.close();
  }
}

interface Row {
  name: string;
  faults: Array<Record<string, unknown>>;
  email?: string;
  outcome: Outcome['kind'];
  kind?: DeadLetterRecord['failure']['kind'];
  hint?: RegExp;
  httpStatus?: number;
  check?: (ending: Ending & { sleeps: number[] }) => void;
}

const DELETE = { method: 'DELETE', pathPrefix: '/api/v1/helpcenter/' };

const rows: Row[] = [
  {
    name: '429 with Retry-After',
    faults: [{ ...DELETE, status: 429, retryAfter: '2', times: 1 }],
    outcome: 'removed',
    check: (e) => expect(e.sleeps).toEqual([2000]),
  },
  {
    name: '429 without Retry-After',
    faults: [{ ...DELETE, status: 429, times: 1 }],
    outcome: 'removed',
    check: (e) => expect(e.sleeps).toHaveLength(1),
  },
  { name: '500 once', faults: [{ ...DELETE, status: 500, times: 1 }], outcome: 'removed' },
  {
    name: '503 on every call',
    faults: [{ ...DELETE, status: 503, times: 100 }],
    outcome: 'dead-lettered',
    kind: 'transient',
    httpStatus: 503,
    check: (e) => {
      expect(e.receives).toBe(MAX_RECEIVES);
      expect(e.record?.attempts).toBe(MAX_RECEIVES);
    },
  },
  {
    name: 'a delay past the timeout',
    faults: [{ ...DELETE, delayMs: 1500, times: 1 }],
    outcome: 'removed',
  },
  {
    name: 'a connection reset',
    faults: [{ ...DELETE, reset: true, times: 1 }],
    outcome: 'removed',
  },
  {
    name: '401 once (token refreshed or re-read, request retried)',
    faults: [{ ...DELETE, status: 401, errorCode: 'INVALID_OAUTH', times: 1 }],
    outcome: 'removed',
  },
  {
    name: '401 always',
    faults: [{ ...DELETE, status: 401, errorCode: 'INVALID_OAUTH', times: 100 }],
    outcome: 'dead-lettered',
    kind: 'auth',
    httpStatus: 401,
    hint: /refresh token/,
  },
  {
    name: '403 SCOPE_MISMATCH',
    faults: [{ ...DELETE, status: 403, errorCode: 'SCOPE_MISMATCH', times: 1 }],
    outcome: 'dead-lettered',
    kind: 'scope',
    httpStatus: 403,
    hint: /removeUserFromHelpCenterGroups needs \(Desk\.settings\.DELETE\)/,
  },
  {
    name: '429 THRESHOLD_EXCEEDED on every call (daily credits spent)',
    faults: [{ ...DELETE, status: 429, errorCode: 'THRESHOLD_EXCEEDED', times: 100 }],
    outcome: 'dead-lettered',
    kind: 'quota',
    httpStatus: 429,
    hint: /daily API credits/,
    check: (e) => {
      // No in-call retries: the request waits on the queue between receives instead.
      expect(e.sleeps).toEqual([]);
      expect(e.receives).toBe(MAX_RECEIVES);
    },
  },
  {
    name: '404 URL_NOT_FOUND on the user-centric DELETE',
    faults: [{ ...DELETE, status: 404, errorCode: 'URL_NOT_FOUND', times: 1 }],
    outcome: 'dead-lettered',
    kind: 'permanent',
    httpStatus: 404,
    hint: /HELPCENTER_API=zoho-desk-v1/,
  },
  {
    name: '422',
    faults: [{ ...DELETE, status: 422, errorCode: 'UNPROCESSABLE_ENTITY', times: 1 }],
    outcome: 'dead-lettered',
    kind: 'permanent',
    httpStatus: 422,
  },
  {
    name: 'token endpoint "Access Denied" (HTTP 200 with an error body), then it recovers',
    faults: [
      {
        method: 'POST',
        pathPrefix: '/oauth/v2/token',
        status: 200,
        errorCode: 'Access Denied',
        times: 1,
      },
    ],
    outcome: 'removed',
    check: (e) => expect(e.receives).toBe(2),
  },
  {
    name: 'token endpoint "Access Denied" on every mint',
    faults: [
      {
        method: 'POST',
        pathPrefix: '/oauth/v2/token',
        status: 200,
        errorCode: 'Access Denied',
        times: 100,
      },
    ],
    outcome: 'dead-lettered',
    kind: 'transient',
  },
  {
    name: 'lookup returning two users for the email',
    faults: [],
    email: 'shared.mailbox@example.com',
    outcome: 'dead-lettered',
    kind: 'ambiguous',
    hint: /duplicate/,
  },
];

describe('worker fault table against the sandbox Help Center', () => {
  it.each(rows)('$name → $outcome', async (row) => {
    await fetch(`${sandbox.url}/_sandbox/reset`, { method: 'POST' });
    for (const f of row.faults) await fault(f);
    const ending = await deliver(row.email ?? 'bob@example.com', `fault-${row.name}`);
    expect(ending.outcome).toBe(row.outcome);
    if (row.outcome === 'removed') {
      expect(ending.record).toBeUndefined();
      expect(await bobGroups()).toEqual([]);
    } else {
      expect(ending.record?.failure.kind).toBe(row.kind);
      if (row.httpStatus) expect(ending.record?.failure.httpStatus).toBe(row.httpStatus);
      if (row.hint) expect(ending.record?.failure.hint).toMatch(row.hint);
      expect(ending.record?.request.requestId).toBe(`fault-${row.name}`);
      if (row.kind !== 'ambiguous') expect(await bobGroups()).toHaveLength(2);
    }
    row.check?.(ending);
  });
});
