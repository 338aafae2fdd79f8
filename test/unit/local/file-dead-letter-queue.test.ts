import { appendFile, mkdtemp, readFile, rename, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { redrive } from '#core/deprovision/redrive.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { FileDeadLetterQueue } from '../../../local/adapters/file-dead-letter-queue.ts';
import { InMemoryWorkQueue } from '../../doubles/in-memory-work-queue.ts';

// `rename` counted (and still done) to see how many times the file is rewritten.
vi.mock('node:fs/promises', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:fs/promises')>();
  return { ...actual, rename: vi.fn(actual.rename) };
});

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

  it('lets removes made while a rewrite waits share it: 10 concurrent removes cost one rewrite, each resolving once its line is gone', async () => {
    const q = await dlq();
    for (const id of ['keep', ...Array.from({ length: 10 }, (_, i) => `r${i}`)]) {
      await q.send(record(id, 'transient'));
    }
    const messages = (await q.receive(20)).filter((m) => !m.body.includes('"requestId":"keep"'));
    expect(messages).toHaveLength(10);
    vi.mocked(rename).mockClear();
    await Promise.all(
      messages.map(async (m) => {
        await q.remove(m);
        expect(await readFile(q.path, 'utf8')).not.toContain(m.body);
      }),
    );
    expect(vi.mocked(rename)).toHaveBeenCalledTimes(1);
    const left = (await readFile(q.path, 'utf8')).trim().split('\n');
    expect(left).toHaveLength(1);
    expect(left[0]).toContain('"requestId":"keep"');
    // None of the ten stays hidden: the same record dead-lettered again is visible to the next run.
    await q.sendRaw(messages[9]!.body);
    expect((await q.receive(20)).map((m) => m.body)).toEqual([messages[9]!.body]);
  });

  it('gives a remove made while a rewrite is under way a rewrite of its own', async () => {
    const q = await dlq();
    for (const id of ['a', 'b']) await q.send(record(id, 'transient'));
    const [a, b] = await q.receive(10);
    vi.mocked(rename).mockClear();
    const first = q.remove(a!);
    await new Promise((resolve) => setImmediate(resolve)); // the first rewrite has started
    const second = q.remove(b!);
    await Promise.all([first, second]);
    expect(vi.mocked(rename)).toHaveBeenCalledTimes(2);
    expect((await readFile(q.path, 'utf8')).trim()).toBe('');
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
