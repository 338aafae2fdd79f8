import { describe, expect, it } from 'vitest';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { createLocalEventBus } from '../../../local/local-events.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';

/** `POST /_local/events`: PutEvents entries through the eventbridge-ingest handler. */
describe('createLocalEventBus', () => {
  const setup = () => {
    const queue = new InMemoryWorkQueue();
    const put = createLocalEventBus({
      queue,
      logger: silentLogger,
      oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
      groupMapping: parseGroupMapping(
        '[{"idpGroupId":"00gBETA","helpCenterId":"7001","groupId":"8001"}]',
      ),
    });
    return { queue, put: (body: unknown) => put(Buffer.from(JSON.stringify(body))) };
  };
  const entry = (detailType: string, detail: unknown) => ({
    Source: 'helpcenter.deprovisioner',
    DetailType: detailType,
    Detail: JSON.stringify(detail),
  });

  it('wraps each entry in an EventBridge envelope (new id) and answers like PutEvents', async () => {
    const { queue, put } = setup();
    const res = await put({
      Entries: [
        entry('User Deprovisioned', { subject: { email: 'a@example.com' } }),
        entry('Group Membership Removed', {
          subject: { email: 'b@example.com' },
          idpGroupId: '00gBETA',
        }),
        entry('Group Membership Removed', { subject: { email: 'c@example.com' }, idpGroupId: 'x' }),
      ],
    });
    expect(res.status).toBe(200);
    const body = res.body as { FailedEntryCount: number; Entries: Record<string, unknown>[] };
    expect(body.FailedEntryCount).toBe(0);
    expect(body.Entries.map((e) => e.kind)).toEqual(['custom', 'custom', 'ignored']);
    expect(queue.sent.map((r) => r.requestId)).toEqual(
      body.Entries.slice(0, 2).map((e) => e.EventId),
    );
    expect(queue.sent[0]?.scope).toBeUndefined();
    expect(queue.sent[1]?.scope).toEqual({
      kind: 'group',
      idpGroupId: '00gBETA',
      helpCenterId: '7001',
      groupId: '8001',
    });
  });

  it('answers 400 for a body that is not 1 to 10 entries, and for invalid JSON', async () => {
    const { queue, put } = setup();
    expect((await put([])).status).toBe(400);
    expect((await put({ nope: 1 })).status).toBe(400);
    const eleven = Array.from({ length: 11 }, () => entry('User Deprovisioned', {}));
    expect((await put(eleven)).status).toBe(400);
    const bus = createLocalEventBus({
      queue,
      logger: silentLogger,
      oktaDeprovisionEventTypes: [],
    });
    expect((await bus(Buffer.from('{'))).status).toBe(400);
    expect(queue.sent).toEqual([]);
  });
});
