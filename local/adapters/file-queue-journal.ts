import { closeSync, fsyncSync, openSync } from 'node:fs';
import { type FileHandle, mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';

/** A work message as the local queue keeps it (and as the journal stores it). */
export interface JournalMessage {
  messageId: string;
  body: string;
  attributes: Record<string, string>;
  receiveCount: number;
  sentAt: number;
  firstReceivedAt?: number;
}

/** One journal line: a message added, a receive counted, or a message done (deleted). */
type Entry = { a: JournalMessage } | { r: string; n: number; f?: number } | { d: string };

export interface JournalLoad {
  messages: JournalMessage[];
  /** Lines that could not be read (a torn last line after a crash, or damage). */
  unreadableLines: number;
}

/**
 * The local queue's durable store: an append-only JSON-lines journal in `LOCAL_DATA_DIR`. New
 * messages (`added`) are written and fsync'd before the promise resolves; appends that arrive while
 * a write is under way share the next write and fsync (group commit), so a burst costs a few
 * fsyncs, not one per message. Receives and completions are written (they survive a killed
 * process) but ride on the next fsync instead of forcing one: losing one to a power cut only
 * delivers a message once more, which the worker's idempotent removal makes harmless; and an ack
 * waiting for its fsync never queues behind the worker's bookkeeping. The journal is compacted
 * (live messages rewritten to a temp file, fsync'd, renamed over it, directory fsync'd) once it
 * holds many more lines than live messages, after the waiters of the write that crossed the limit
 * were answered.
 */
export class FileQueueJournal {
  private readonly live = new Map<string, JournalMessage>();
  private lines = 0;
  private pending: string[] = [];
  private waiters: Array<{ resolve: () => void; reject: (error: unknown) => void }> = [];
  /** Whether a pending line must be fsync'd before its waiter is answered. */
  private pendingDurable = false;
  private writing: Promise<void> | undefined;
  private closed = false;

  private constructor(
    readonly path: string,
    private handle: FileHandle,
    private readonly options: { compactAfterLines: number },
  ) {}

  /**
   * Opens (or creates) the journal, replays it and compacts it. A torn or unreadable line is
   * skipped and counted, never fatal: every complete line before and after it still counts.
   * @throws the file system's error when the file cannot be read or written.
   */
  static async open(
    path: string,
    options: { compactAfterLines?: number } = {},
  ): Promise<{ journal: FileQueueJournal; load: JournalLoad }> {
    await mkdir(dirname(path), { recursive: true });
    let text = '';
    try {
      text = await readFile(path, 'utf8');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    const live = new Map<string, JournalMessage>();
    let unreadableLines = 0;
    for (const line of text.split('\n')) {
      if (line.trim() === '') continue;
      const entry = parseEntry(line);
      if (!entry) {
        unreadableLines += 1;
        continue;
      }
      apply(live, entry);
    }
    const journal = new FileQueueJournal(path, await open(path, 'a'), {
      compactAfterLines: options.compactAfterLines ?? 2_000,
    });
    for (const [id, message] of live) journal.live.set(id, message);
    await journal.compact();
    return {
      journal,
      load: { messages: [...live.values()].map((m) => ({ ...m })), unreadableLines },
    };
  }

  /** Messages the journal holds as not done. */
  get size(): number {
    return this.live.size;
  }

  /** Durably records new messages. Resolves after the lines are fsync'd. */
  added(messages: readonly JournalMessage[]): Promise<void> {
    return this.append(
      messages.map((m) => ({ a: { ...m } })),
      true,
    );
  }

  /**
   * Records a receive (so the receive count survives a crashed process). Resolves once written;
   * the next fsync makes it durable.
   */
  received(message: JournalMessage): Promise<void> {
    return this.append(
      [
        {
          r: message.messageId,
          n: message.receiveCount,
          ...(message.firstReceivedAt !== undefined ? { f: message.firstReceivedAt } : {}),
        },
      ],
      false,
    );
  }

  /**
   * Records that a message is done (processed, or moved to the dead-letter queue). Resolves once
   * written; the next fsync makes it durable.
   */
  removed(messageId: string): Promise<void> {
    return this.append([{ d: messageId }], false);
  }

  /** Flushes, compacts and closes the file. */
  async close(): Promise<void> {
    await this.writing;
    if (this.closed) return;
    this.closed = true;
    await this.compact();
    await this.handle.close();
  }

  private append(entries: readonly Entry[], durable: boolean): Promise<void> {
    if (this.closed) return Promise.reject(new Error('the queue journal is closed'));
    for (const entry of entries) {
      apply(this.live, entry);
      this.pending.push(`${JSON.stringify(entry)}\n`);
    }
    if (durable) this.pendingDurable = true;
    const done = new Promise<void>((resolve, reject) => this.waiters.push({ resolve, reject }));
    if (!this.writing) this.writing = this.flush();
    return done;
  }

  /**
   * Writes what is pending in one write (and one fsync when a new message is among it), as long as
   * anything is pending.
   */
  private async flush(): Promise<void> {
    // Cleared in the same synchronous step that sees nothing pending, so no append is left behind.
    for (;;) {
      if (this.pending.length === 0) {
        this.writing = undefined;
        return;
      }
      const chunk = this.pending.join('');
      const count = this.pending.length;
      const waiters = this.waiters;
      const durable = this.pendingDurable;
      this.pending = [];
      this.waiters = [];
      this.pendingDurable = false;
      try {
        await this.handle.write(chunk);
        if (durable) await this.handle.datasync();
        this.lines += count;
      } catch (error) {
        for (const w of waiters) w.reject(error);
        continue;
      }
      for (const w of waiters) w.resolve();
      if (this.lines > this.options.compactAfterLines && this.lines > 4 * this.live.size) {
        // A failed compaction loses nothing (the journal still holds every line); it is tried again
        // after the next write, and a journal that can no longer be written fails that write.
        await this.compact().catch(() => undefined);
      }
    }
  }

  /** Rewrites the journal as one `add` line per live message (temp file, fsync, rename). */
  private async compact(): Promise<void> {
    const temp = `${this.path}.compact`;
    const out = await open(temp, 'w');
    try {
      const text = [...this.live.values()].map((m) => `${JSON.stringify({ a: m })}\n`).join('');
      await out.write(text);
      await out.datasync();
    } finally {
      await out.close();
    }
    await rename(temp, this.path);
    // Not syncDirectory: a synchronous fsync would stall every request of the process meanwhile.
    await syncDirectoryAsync(dirname(this.path));
    await this.handle.close();
    this.handle = await open(this.path, 'a');
    this.lines = this.live.size;
  }
}

function parseEntry(line: string): Entry | undefined {
  try {
    const value = JSON.parse(line) as Partial<Record<'a' | 'r' | 'd', unknown>>;
    if (value && typeof value === 'object') {
      const a = value.a as JournalMessage | undefined;
      if (a && typeof a.messageId === 'string' && typeof a.body === 'string') return { a };
      if (typeof value.r === 'string') return value as Entry;
      if (typeof value.d === 'string') return value as Entry;
    }
  } catch {
    // a torn line: counted by the caller
  }
  return undefined;
}

function apply(live: Map<string, JournalMessage>, entry: Entry): void {
  if ('a' in entry) {
    live.set(entry.a.messageId, {
      messageId: entry.a.messageId,
      body: entry.a.body,
      attributes: entry.a.attributes ?? {},
      receiveCount: Number(entry.a.receiveCount) || 0,
      sentAt: Number(entry.a.sentAt) || Date.now(),
      ...(entry.a.firstReceivedAt !== undefined
        ? { firstReceivedAt: entry.a.firstReceivedAt }
        : {}),
    });
  } else if ('r' in entry) {
    const message = live.get(entry.r);
    if (message) {
      message.receiveCount = Math.max(message.receiveCount, entry.n);
      if (entry.f !== undefined) message.firstReceivedAt ??= entry.f;
    }
  } else {
    live.delete(entry.d);
  }
}

/** syncDirectory without blocking the event loop. */
async function syncDirectoryAsync(path: string): Promise<void> {
  let dir: FileHandle | undefined;
  try {
    dir = await open(path, 'r');
    await dir.sync();
  } catch {
    // not supported on every platform
  } finally {
    await dir?.close();
  }
}

/** fsyncs a directory so a rename in it survives a power loss (a no-op where unsupported). */
export function syncDirectory(path: string): void {
  let fd: number | undefined;
  try {
    fd = openSync(path, 'r');
    fsyncSync(fd);
  } catch {
    // not supported on every platform
  } finally {
    if (fd !== undefined) closeSync(fd);
  }
}
