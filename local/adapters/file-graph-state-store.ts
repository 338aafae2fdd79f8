import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type {
  DeltaLinkState,
  GraphStateStore,
  SubscriptionState,
} from '#core/ports/graph-state-store.ts';

/** What `${LOCAL_DATA_DIR}/graph-state.json` holds (the CLI's `status` reads it too). */
export interface GraphStateFile {
  delta?: DeltaLinkState;
  subscription?: SubscriptionState;
}

/**
 * The local runner's Graph bookkeeping in one JSON file, rewritten atomically (temp file + rename).
 * Writes are serialised in-process, so the compare-and-set of `advanceDelta` holds for the one
 * runner that owns the directory. Holds links and timestamps, never a secret.
 */
export class FileGraphStateStore implements GraphStateStore {
  private writing: Promise<unknown> = Promise.resolve();

  constructor(readonly path: string) {}

  async readDelta(): Promise<DeltaLinkState> {
    return (await this.read()).delta ?? { version: 0 };
  }

  advanceDelta(
    expectedVersion: number,
    next: { deltaLink: string; resyncedAt: string },
  ): Promise<boolean> {
    return this.update((file) => {
      if ((file.delta?.version ?? 0) !== expectedVersion) return undefined;
      return { ...file, delta: { ...next, version: expectedVersion + 1 } };
    });
  }

  async readSubscription(): Promise<SubscriptionState | undefined> {
    return (await this.read()).subscription;
  }

  async writeSubscription(state: SubscriptionState): Promise<void> {
    await this.update((file) => ({ ...file, subscription: state }));
  }

  private async read(): Promise<GraphStateFile> {
    try {
      return JSON.parse(await readFile(this.path, 'utf8')) as GraphStateFile;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return {};
      throw error;
    }
  }

  /** Applies `change` under the in-process lock; `undefined` from it writes nothing (false). */
  private update(change: (file: GraphStateFile) => GraphStateFile | undefined): Promise<boolean> {
    const next = this.writing.then(async () => {
      const changed = change(await this.read());
      if (!changed) return false;
      await mkdir(dirname(this.path), { recursive: true });
      const temp = `${this.path}.tmp`;
      await writeFile(temp, `${JSON.stringify(changed, null, 2)}\n`, 'utf8');
      await rename(temp, this.path);
      return true;
    });
    this.writing = next.catch(() => undefined);
    return next;
  }
}
