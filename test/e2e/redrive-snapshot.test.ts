import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { killGroup, type Running, sandboxState, startService, until } from './service.ts';

function oktaDelivery(uuid: string, userId: string, email: string) {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventId: `delivery-${uuid}`,
    data: {
      events: [
        {
          uuid,
          published: '2026-11-26T09:00:00.000Z',
          eventType: 'user.lifecycle.deactivate',
          outcome: { result: 'SUCCESS' },
          target: [{ id: userId, type: 'User', alternateId: email }],
        },
      ],
    },
  });
}

describe('POST /_local/redrive while every attempt fails again', () => {
  let running: Running;
  const dlqRequestIds = async () =>
    (await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8').catch(() => ''))
      .split('\n')
      .filter((l) => l.trim() !== '')
      .map((l) => (JSON.parse(l) as { request: { requestId: string } }).request.requestId)
      .sort();
  const idle = async () => {
    const health = (await (await fetch(`${running.url}/healthz`)).json()) as {
      queueDepth: number;
    };
    return health.queueDepth === 0;
  };

  // Seeded Help Center user ids (local/seed.json): Alice is in both help centers, Bob in one, the
  // shared mailbox is two users with one email.
  const ALICE_HC1 = '7001000000118001';
  const ALICE_HC2 = '7001000000218001';
  const BOB_HC1 = '7001000000118002';
  /** DELETE attempts per Help Center user id (`/helpcenter/{hc}/users/{userId}/groups`). */
  const deletesByUser = async () => {
    const counts: Record<string, number> = {};
    for (const c of (await sandboxState(running.sandboxUrl)).calls) {
      if (c.method !== 'DELETE') continue;
      const userId = /\/users\/(\d+)\/groups$/.exec(c.path)?.[1] ?? `other ${c.path}`;
      counts[userId] = (counts[userId] ?? 0) + 1;
    }
    return counts;
  };

  beforeAll(async () => {
    running = await startService();
  }, 60_000);
  afterAll(async () => {
    if (running) {
      killGroup(running.child, 'SIGKILL');
      await rm(running.dataDir, { recursive: true, force: true });
    }
  });

  it('moves each record once, the DLQ ends with the same records, one Help Center attempt per record and run', async () => {
    await fetch(`${running.sandboxUrl}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'DELETE',
        pathPrefix: '/api/',
        status: 403,
        errorCode: 'SCOPE_MISMATCH',
        times: 1000,
      }),
    });
    for (const [uuid, id, email] of [
      ['snap-alice', '00uSNAPALICE', 'alice@example.com'],
      ['snap-bob', '00uSNAPBOB', 'bob@example.com'],
      ['snap-shared', '00uSNAPSHARED', 'shared.mailbox@example.com'],
    ] as const) {
      const res = await fetch(`${running.url}/webhooks/okta`, {
        method: 'POST',
        headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
        body: oktaDelivery(uuid, id, email),
      });
      expect(res.status).toBe(200);
    }
    const before = await until('three dead-letter records', async () => {
      const ids = await dlqRequestIds();
      return ids.length === 3 && (await idle()) ? ids : undefined;
    });
    expect(before).toEqual(['snap-alice', 'snap-bob', 'snap-shared']);
    const deletesBefore = await deletesByUser();

    const res = await fetch(`${running.url}/_local/redrive`, { method: 'POST', body: '{}' });
    expect(res.status).toBe(200);
    const answer = (await res.json()) as {
      moved: number;
      movedRequestIds: string[];
      skippedByReason: Record<string, number>;
      skippedRecords: Array<{ requestId: string; reason: string }>;
      notes: string[];
    };
    expect(answer.moved).toBe(2);
    expect([...answer.movedRequestIds].sort()).toEqual(['snap-alice', 'snap-bob']);
    expect(answer.skippedByReason).toEqual({ 'needs-operator': 1 });
    expect(answer.skippedRecords).toMatchObject([
      { requestId: 'snap-shared', reason: 'needs-operator' },
    ]);
    expect(answer.notes.join(' ')).toMatch(/ambiguous/);

    const after = await until('the moved records to fail again', async () => {
      const ids = await dlqRequestIds();
      return ids.length === 3 && (await idle()) ? ids : undefined;
    });
    expect(after).toEqual(before);
    // Per record, per Help Center user: the first run made exactly one attempt, the redrive
    // exactly one more; the ambiguous shared mailbox (skipped, never acted on) none at all.
    const once = { [ALICE_HC1]: 1, [ALICE_HC2]: 1, [BOB_HC1]: 1 };
    expect(deletesBefore).toEqual(once);
    expect(await deletesByUser()).toEqual({ [ALICE_HC1]: 2, [ALICE_HC2]: 2, [BOB_HC1]: 2 });
  }, 60_000);
});
