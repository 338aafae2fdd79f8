import { appendFile, mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  FileQueueJournal,
  type JournalMessage,
} from '../../../local/adapters/file-queue-journal.ts';

const message = (id: string): JournalMessage => ({
  messageId: id,
  body: JSON.stringify({ requestId: id }),
  attributes: { source: 'manual' },
  receiveCount: 0,
  sentAt: 1_700_000_000_000,
});

describe('FileQueueJournal', () => {
  let dir: string;
  let path: string;
  /** Journals a test opened: closed after it (a test that stands in for a crash reopens first). */
  let opened: FileQueueJournal[];
  const openJournal = async (...args: Parameters<typeof FileQueueJournal.open>) => {
    const result = await FileQueueJournal.open(...args);
    opened.push(result.journal);
    return result;
  };

  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcd-journal-'));
    path = join(dir, 'queue.journal');
    opened = [];
  });
  afterEach(async () => {
    for (const journal of opened) await journal.close().catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  });

  it('replays added, received and removed messages when reopened', async () => {
    const { journal } = await openJournal(path);
    await journal.added([message('a'), message('b'), message('c')]);
    await journal.received({ ...message('b'), receiveCount: 2, firstReceivedAt: 5 });
    await journal.removed('a');
    // No close: as after a SIGKILL, only what was fsync'd counts.
    const { load } = await openJournal(path);
    expect(load.messages.map((m) => [m.messageId, m.receiveCount])).toEqual([
      ['b', 2],
      ['c', 0],
    ]);
    expect(load.unreadableLines).toBe(0);
  });

  it('skips a line torn by a crash and keeps every complete one', async () => {
    const { journal } = await openJournal(path);
    await journal.added([message('a')]);
    await appendFile(path, '{"a":{"messageId":"half');
    const { load } = await openJournal(path);
    expect(load.messages.map((m) => m.messageId)).toEqual(['a']);
    expect(load.unreadableLines).toBe(1);
  });

  it('shares one write among concurrent appends and compacts once most lines are done', async () => {
    const { journal } = await openJournal(path, { compactAfterLines: 50 });
    await Promise.all(Array.from({ length: 200 }, (_, i) => journal.added([message(`m${i}`)])));
    await Promise.all(Array.from({ length: 199 }, (_, i) => journal.removed(`m${i}`)));
    await journal.added([message('last')]);
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(lines.length).toBeLessThan(60);
    const { load } = await openJournal(path);
    expect(load.messages.map((m) => m.messageId)).toEqual(['m199', 'last']);
  });

  it('fsyncs new messages before resolving; receives and completions are written, riding on the next fsync', async () => {
    const { journal } = await openJournal(path);
    const handle = (journal as unknown as { handle: object }).handle;
    const datasync = vi.spyOn(Object.getPrototypeOf(handle), 'datasync');
    // A full fsync would count as one too: only the datasync above may happen.
    const sync = vi.spyOn(Object.getPrototypeOf(handle), 'sync');
    try {
      await journal.added([message('a'), message('b')]);
      expect(datasync).toHaveBeenCalledTimes(1);
      await journal.received({ ...message('a'), receiveCount: 1 });
      await journal.removed('b');
      expect(datasync).toHaveBeenCalledTimes(1);
      expect(sync).not.toHaveBeenCalled();
      // Written (in the file, so a killed process loses none of them), just not fsync'd yet.
      const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
      expect(lines.slice(-2).map((l) => JSON.parse(l))).toEqual([{ r: 'a', n: 1 }, { d: 'b' }]);
      await journal.added([message('c')]);
      expect(datasync).toHaveBeenCalledTimes(2);
      expect(sync).not.toHaveBeenCalled();
    } finally {
      datasync.mockRestore();
      sync.mockRestore();
    }
  });

  it('keeps only live messages after a clean close', async () => {
    const { journal } = await openJournal(path);
    await journal.added([message('a'), message('b')]);
    await journal.removed('a');
    await journal.close();
    const lines = (await readFile(path, 'utf8')).split('\n').filter(Boolean);
    expect(lines.map((l) => JSON.parse(l).a.messageId)).toEqual(['b']);
  });
});
