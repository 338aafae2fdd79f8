import type {
  IdentityLinkWriter,
  IdentityLookupKey,
  IdentityRecord,
  IdentityStore,
} from '#core/ports/identity-store.ts';

const CASE_INSENSITIVE_KEYS: ReadonlySet<IdentityLookupKey> = new Set(['userName', 'email']);

/**
 * Identity store held in memory (unit tests, and the base of the local file store). Records are
 * copied in and out so callers cannot mutate stored state. `findBy` compares userName and email
 * case-insensitively and externalId / idpUserId exactly. `put` stores the record as given: callers
 * own `version`, `createdAt` and `updatedAt`.
 */
export class InMemoryIdentityStore implements IdentityStore, IdentityLinkWriter {
  private readonly records = new Map<string, IdentityRecord>();

  constructor(initial: readonly IdentityRecord[] = []) {
    for (const record of initial) this.records.set(record.id, structuredClone(record));
  }

  async get(id: string): Promise<IdentityRecord | undefined> {
    const record = this.records.get(id);
    return record === undefined ? undefined : structuredClone(record);
  }

  async findBy(key: IdentityLookupKey, value: string): Promise<IdentityRecord[]> {
    const folded = CASE_INSENSITIVE_KEYS.has(key);
    const wanted = folded ? value.toLowerCase() : value;
    return this.sorted()
      .filter((record) => {
        const candidate = record[key];
        if (candidate === undefined) return false;
        return (folded ? candidate.toLowerCase() : candidate) === wanted;
      })
      .map((record) => structuredClone(record));
  }

  async put(record: IdentityRecord): Promise<void> {
    this.records.set(record.id, structuredClone(record));
  }

  async create(record: IdentityRecord): Promise<boolean> {
    if (this.records.has(record.id)) return false;
    this.records.set(record.id, structuredClone(record));
    return true;
  }

  async linkHelpCenterUsers(
    id: string,
    helpCenterUserIds: Readonly<Record<string, string>>,
    options: { expectedVersion: number; updatedAt: string },
  ): Promise<boolean> {
    const current = this.records.get(id);
    if (current === undefined || current.version !== options.expectedVersion) return false;
    this.records.set(id, {
      ...current,
      helpCenterUserIds: { ...helpCenterUserIds },
      version: current.version + 1,
      updatedAt: options.updatedAt,
    });
    return true;
  }

  async delete(id: string): Promise<void> {
    this.records.delete(id);
  }

  /** `startIndex` is 1-based, as in SCIM; values below 1 are treated as 1. */
  async list(options: {
    startIndex: number;
    count: number;
  }): Promise<{ total: number; records: IdentityRecord[] }> {
    const all = this.sorted();
    const start = Math.max(1, Math.floor(options.startIndex)) - 1;
    const count = Math.max(0, Math.floor(options.count));
    return {
      total: all.length,
      records: all.slice(start, start + count).map((record) => structuredClone(record)),
    };
  }

  /** Every record, for assertions in tests. */
  snapshot(): IdentityRecord[] {
    return this.sorted().map((record) => structuredClone(record));
  }

  /** Every record in id order, not copied (for readers that do not keep or change them). */
  protected sorted(): IdentityRecord[] {
    return [...this.records.values()].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  }
}
