import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { InMemoryIdentityStore } from './in-memory-identity-store.ts';

/**
 * Identity store kept in a JSON file (the local runner's). Reads from memory; every write rewrites
 * the file atomically (temp file + rename). Holds identity attributes only, never secrets.
 */
export class FileIdentityStore extends InMemoryIdentityStore {
  private writing: Promise<void> = Promise.resolve();

  private constructor(
    readonly path: string,
    initial: readonly IdentityRecord[],
  ) {
    super(initial);
  }

  /** Loads the file (an absent file is an empty store). */
  static async open(path: string): Promise<FileIdentityStore> {
    let initial: IdentityRecord[] = [];
    try {
      const parsed = JSON.parse(await readFile(path, 'utf8')) as { records?: IdentityRecord[] };
      initial = parsed.records ?? [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new FileIdentityStore(path, initial);
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

  private persist(): Promise<void> {
    const next = this.writing.then(async () => {
      await mkdir(dirname(this.path), { recursive: true });
      const temp = `${this.path}.tmp`;
      await writeFile(temp, `${JSON.stringify({ records: this.snapshot() }, null, 2)}\n`, 'utf8');
      await rename(temp, this.path);
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}
