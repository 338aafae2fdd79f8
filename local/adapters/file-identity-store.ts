import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { InMemoryIdentityStore } from './in-memory-identity-store.ts';

export interface FileIdentityStoreOptions {
  /** Writes the whole file (default: a temp file renamed over it, so a crash leaves one whole file). */
  writeFile?: (path: string, text: string) => Promise<void>;
}

/**
 * Identity store kept in a JSON file (the local runner's). Reads from memory; a write resolves once
 * the file, rewritten atomically, holds it. Writes made while a rewrite waits to start share it, so
 * a burst of writes (the worker's link write-backs for a burst of people) costs a few rewrites of
 * the file, not one each. Holds identity attributes only, never secrets.
 */
export class FileIdentityStore extends InMemoryIdentityStore {
  private writing: Promise<void> = Promise.resolve();
  /** The rewrite not started yet: a change made now is in it (its text is taken when it starts). */
  private next: Promise<void> | undefined;
  private readonly writeFile: (path: string, text: string) => Promise<void>;

  private constructor(
    readonly path: string,
    initial: readonly IdentityRecord[],
    options: FileIdentityStoreOptions,
  ) {
    super(initial);
    this.writeFile = options.writeFile ?? writeAtomically;
  }

  /** Loads the file (an absent file is an empty store). */
  static async open(
    path: string,
    options: FileIdentityStoreOptions = {},
  ): Promise<FileIdentityStore> {
    let initial: IdentityRecord[] = [];
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { records?: IdentityRecord[] };
      initial = parsed.records ?? [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new FileIdentityStore(path, initial, options);
  }

  override async put(record: IdentityRecord): Promise<void> {
    await super.put(record);
    await this.persist();
  }

  override async create(record: IdentityRecord): Promise<boolean> {
    const created = await super.create(record);
    if (created) await this.persist();
    return created;
  }

  override async linkHelpCenterUsers(
    id: string,
    helpCenterUserIds: Readonly<Record<string, string>>,
    options: { expectedVersion: number; updatedAt: string },
  ): Promise<boolean> {
    const linked = await super.linkHelpCenterUsers(id, helpCenterUserIds, options);
    if (linked) await this.persist();
    return linked;
  }

  override async delete(id: string): Promise<void> {
    await super.delete(id);
    await this.persist();
  }

  /**
   * Rewrites the file after the rewrite under way, if any; joins the one waiting to start, if any.
   * Before, every write rewrote the whole file: 2,000 concurrent creates took 11 s of the service's
   * thread, 8,000 took 184 s (each a JSON.stringify of every record so far).
   */
  private persist(): Promise<void> {
    if (this.next) return this.next;
    const next = this.writing.then(() => {
      this.next = undefined;
      return this.writeFile(this.path, `${JSON.stringify({ records: this.sorted() }, null, 2)}\n`);
    });
    this.next = next;
    this.writing = next.catch(() => undefined);
    return next;
  }
}

async function writeAtomically(path: string, text: string): Promise<void> {
  await mkdir(dirname(path), { recursive: true });
  const temp = `${path}.tmp`;
  await writeFile(temp, text, 'utf8');
  await rename(temp, path);
}
