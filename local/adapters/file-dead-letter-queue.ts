import { createHash } from 'node:crypto';
import { mkdir, open, readFile, rename } from 'node:fs/promises';
import { dirname } from 'node:path';
import { MESSAGE_ATTRIBUTE } from '#core/contract/message-attributes.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import type {
  DeadLetterMessage,
  DeadLetterQueue,
  DeadLetterSource,
} from '#core/ports/dead-letter-queue.ts';
import { syncDirectory } from './file-queue-journal.ts';

/**
 * Dead-letter records in a JSON-lines file (the local runner's DLQ), one record per line. It is also
 * the redrive's source: a line is removed only after its request is back on the work queue. Every
 * file operation runs under one lock so an append never races a rewrite, and every write is
 * fsync'd before it resolves (a record is in the file, not in a page cache, once `send` returns).
 */
export class FileDeadLetterQueue implements DeadLetterQueue, DeadLetterSource {
  private lock: Promise<unknown> = Promise.resolve();
  private readonly hidden = new Set<string>();
  /** The rewrite that waits for the lock: a remove made now joins it. */
  private nextRemoval: { ids: Set<string>; done: Promise<void> } | undefined;

  constructor(readonly path: string) {}

  async send(record: DeadLetterRecord): Promise<void> {
    await this.sendRaw(JSON.stringify(record));
  }

  /** Appends a message as it was (what SQS's own redrive policy moves: the raw work message). */
  async sendRaw(line: string): Promise<void> {
    await this.locked(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      // After a crash mid-append the file may end in a torn line: start on a fresh line.
      const separator = (await endsWithNewline(this.path)) ? '' : '\n';
      await writeSynced(this.path, 'a', `${separator}${line.replace(/\n/g, ' ')}\n`);
    });
  }

  async receive(max: number): Promise<DeadLetterMessage[]> {
    const lines = await this.locked(() => this.readLines());
    return withIds(lines)
      .map(({ id, body }) => ({ id, body, attributes: attributesOf(body) }))
      .filter((m) => !this.hidden.has(m.id))
      .slice(0, Math.max(0, max))
      .map((m) => {
        this.hidden.add(m.id);
        return m;
      });
  }

  /**
   * Takes a line out of the file (rewritten: temp file, fsync, rename, directory fsync). Removes
   * made while a rewrite waits for the lock share it, so the redrive's removes of one chunk cost one
   * rewrite, not one each; each resolves once that rewrite is done.
   */
  remove(message: DeadLetterMessage): Promise<void> {
    if (this.nextRemoval) {
      this.nextRemoval.ids.add(message.id);
      return this.nextRemoval.done;
    }
    const ids = new Set([message.id]);
    const done = this.locked(async () => {
      // From here on a remove needs the next rewrite: this one's ids are fixed.
      this.nextRemoval = undefined;
      const lines = await this.readLines();
      const keep = withIds(lines)
        .filter(({ id }) => !ids.has(id))
        .map(({ body }) => body);
      const temp = `${this.path}.tmp`;
      await writeSynced(temp, 'w', keep.map((l) => `${l}\n`).join(''));
      await rename(temp, this.path);
      syncDirectory(dirname(this.path));
      for (const id of ids) this.hidden.delete(id);
    });
    this.nextRemoval = { ids, done };
    return done;
  }

  async release(message: DeadLetterMessage): Promise<void> {
    this.hidden.delete(message.id);
  }

  private async readLines(): Promise<string[]> {
    try {
      return (await readFile(this.path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
      throw error;
    }
  }

  private locked<T>(fn: () => Promise<T>): Promise<T> {
    const run = this.lock.then(fn);
    this.lock = run.catch(() => undefined);
    return run;
  }
}

async function endsWithNewline(path: string): Promise<boolean> {
  let handle: Awaited<ReturnType<typeof open>> | undefined;
  try {
    handle = await open(path, 'r');
    const { size } = await handle.stat();
    if (size === 0) return true;
    const last = Buffer.alloc(1);
    await handle.read(last, 0, 1, size - 1);
    return last[0] === 0x0a;
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return true;
    throw error;
  } finally {
    await handle?.close();
  }
}

async function writeSynced(path: string, flags: 'a' | 'w', text: string): Promise<void> {
  const handle = await open(path, flags);
  try {
    await handle.write(text);
    await handle.datasync();
  } finally {
    await handle.close();
  }
}

/** Stable line ids: a content hash plus the occurrence among identical lines (not the position). */
function withIds(lines: readonly string[]): Array<{ id: string; body: string }> {
  const seen = new Map<string, number>();
  return lines.map((body) => {
    const hash = createHash('sha256').update(body).digest('hex').slice(0, 16);
    const occurrence = seen.get(hash) ?? 0;
    seen.set(hash, occurrence + 1);
    return { id: `${hash}:${occurrence}`, body };
  });
}

function attributesOf(body: string): Record<string, string> {
  try {
    const record = JSON.parse(body) as {
      failure?: { kind?: string };
      request?: { source?: string };
    };
    return {
      ...(record.failure?.kind ? { [MESSAGE_ATTRIBUTE.FAILURE_KIND]: record.failure.kind } : {}),
      ...(record.request?.source ? { [MESSAGE_ATTRIBUTE.SOURCE]: record.request.source } : {}),
    };
  } catch {
    return {};
  }
}
