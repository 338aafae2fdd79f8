import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { redrive } from '#core/deprovision/redrive.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { FileDeadLetterQueue } from '../../../local/adapters/file-dead-letter-queue.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';

const dirs: string[] = [];

async function dlq(): Promise<FileDeadLetterQueue> {
  const dir = await mkdtemp(join(tmpdir(), 'hcd-dlq-'));
  dirs.push(dir);
  return new FileDeadLetterQueue(join(dir, 'dlq.jsonl'));
}

afterEach(async () => {
  for (const dir of dirs.splice(0)) await rm(dir, { recursive: true, force: true });
});

function record(id: string, kind: DeadLetterRecord['failure']['kind']): DeadLetterRecord {
  return {
    schemaVersion: 1,
    request: {
      schemaVersion: 1,
      requestId: id,
      source: 'okta-event-hook',
      subject: { email: `${id}@example.com` },
      reason: 'user.lifecycle.deactivate',
      occurredAt: '2026-11-26T09:00:00.000Z',
      receivedAt: '2026-11-26T09:00:01.000Z',
    },
    failure: { kind, message: 'x' },
    attempts: 1,
    firstAttemptAt: '2026-11-26T09:00:02.000Z',
    lastAttemptAt: '2026-11-26T09:00:02.000Z',
    correlationId: `m-${id}`,
  };
}

describe('FileDeadLetterQueue', () => {
  it('appends one JSON record per line', async () => {
    const q = await dlq();
    await q.send(record('a', 'scope'));
    await q.send(record('b', 'transient'));
    const lines = (await readFile(q.path, 'utf8')).trim().split('\n');
    expect(lines.map((l) => JSON.parse(l).request.requestId)).toEqual(['a', 'b']);
  });

  it('is a redrive source: matching lines go back to the queue and leave the file, others stay', async () => {
    const q = await dlq();
    await q.send(record('a', 'scope'));
    await q.send(record('b', 'transient'));
    await q.send(record('c', 'scope'));
    await q.sendRaw('not json at all');
    const queue = new InMemoryWorkQueue();
    const result = await redrive(
      { deadLetters: q, queue, logger: silentLogger },
      { failureKind: 'scope' },
    );
    expect(result).toMatchObject({ moved: 2, skipped: 1, unreadable: 1 });
    expect(queue.sent.map((r) => r.requestId)).toEqual(['a', 'c']);
    const left = (await readFile(q.path, 'utf8')).trim().split('\n');
    expect(left).toHaveLength(2);
    expect(left[0]).toContain('"requestId":"b"');
    expect(left[1]).toBe('not json at all');
  });

  it('loses no record that arrives while a redrive rewrites the file', async () => {
    const q = await dlq();
    for (const id of ['a', 'b', 'c']) await q.send(record(id, 'scope'));
    const queue = new InMemoryWorkQueue();
    const running = redrive(
      { deadLetters: q, queue, logger: silentLogger },
      { failureKind: 'scope' },
    );
    const appended = Promise.all(['late-1', 'late-2'].map((id) => q.send(record(id, 'transient'))));
    await Promise.all([running, appended]);
    const inFile = (await readFile(q.path, 'utf8'))
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l).request.requestId);
    expect(queue.sent.map((r) => r.requestId)).toEqual(['a', 'b', 'c']);
    expect(inFile.sort()).toEqual(['late-1', 'late-2']);
  });
});

describe('FileDeadLetterQueue after a crash', () => {
  it('starts a new line after a torn last line, so the next record stays readable', async () => {
    const queue = await dlq();
    await queue.send(record('before', 'transient'));
    await appendFile(queue.path, '{"schemaVersion":1,"requ');
    await queue.send(record('after', 'scope'));
    const lines = (await readFile(queue.path, 'utf8')).split('\n').filter(Boolean);
    expect(lines).toHaveLength(3);
    expect(JSON.parse(lines[2] ?? '{}').request.requestId).toBe('after');
    const result = await redrive(
      { deadLetters: queue, queue: new InMemoryWorkQueue(), logger: silentLogger },
      {},
    );
    expect(result).toMatchObject({ moved: 2, unreadable: 1 });
  });
});
