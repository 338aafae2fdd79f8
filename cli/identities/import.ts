import { randomUUID } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { IdentityRecord, IdentityStore } from '#core/ports/identity-store.ts';
import type { IdentityRow, RowError } from './rows.ts';

/** Where imported identities go: found by the row's keys, written back merged. */
export interface ImportSink {
  /** Records matching the row's first key that matches anything (idpUserId, externalId, email). */
  candidates(row: IdentityRow): Promise<IdentityRecord[]>;
  put(record: IdentityRecord): Promise<void>;
  /** Makes the writes durable (one atomic file write for the local store). */
  flush(): Promise<void>;
}

/** Any identity store, one put per record (DynamoDB: the table's GSIs serve the lookups). */
export class StoreSink implements ImportSink {
  constructor(private readonly store: IdentityStore) {}

  async candidates(row: IdentityRow): Promise<IdentityRecord[]> {
    if (row.idpUserId) {
      const byIdp = await this.store.findBy('idpUserId', row.idpUserId);
      if (byIdp.length > 0) return byIdp;
      const direct = await this.store.get(row.idpUserId);
      if (direct) return [direct];
      // SCIM stores the IdP's own id as externalId (findIdentity does the same).
      const asExternal = await this.store.findBy('externalId', row.idpUserId);
      if (asExternal.length > 0) return asExternal;
    }
    if (row.externalId) {
      const byExternal = await this.store.findBy('externalId', row.externalId);
      if (byExternal.length > 0) return byExternal;
    }
    return row.email ? this.store.findBy('email', row.email) : [];
  }

  put(record: IdentityRecord): Promise<void> {
    return this.store.put(record);
  }

  async flush(): Promise<void> {}
}

/**
 * The local runner's identity file, loaded once, indexed, and written once at the end (temp file
 * and rename, the format FileIdentityStore reads), so a 10,000-row import is one write, not 10,000.
 */
export class LocalFileSink implements ImportSink {
  private readonly byId = new Map<string, IdentityRecord>();
  private readonly index = {
    idpUserId: new Map<string, Set<string>>(),
    externalId: new Map<string, Set<string>>(),
    email: new Map<string, Set<string>>(),
  };

  private constructor(
    private readonly path: string,
    records: readonly IdentityRecord[],
  ) {
    for (const r of records) this.add(r);
  }

  static async open(path: string): Promise<LocalFileSink> {
    let records: IdentityRecord[] = [];
    try {
      records =
        (JSON.parse(await readFile(path, 'utf8')) as { records?: IdentityRecord[] }).records ?? [];
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
    return new LocalFileSink(path, records);
  }

  private keys(r: { idpUserId?: string; externalId?: string; email?: string }) {
    return [
      ['idpUserId', r.idpUserId],
      ['externalId', r.externalId],
      ['email', r.email?.toLowerCase()],
    ] as const;
  }

  private add(r: IdentityRecord): void {
    this.byId.set(r.id, r);
    for (const [key, value] of this.keys(r)) {
      if (value === undefined) continue;
      const ids = this.index[key].get(value) ?? new Set<string>();
      ids.add(r.id);
      this.index[key].set(value, ids);
    }
  }

  private remove(r: IdentityRecord): void {
    for (const [key, value] of this.keys(r)) {
      if (value !== undefined) this.index[key].get(value)?.delete(r.id);
    }
  }

  private find(key: keyof LocalFileSink['index'], value: string): IdentityRecord[] {
    return [...(this.index[key].get(value) ?? [])].map((id) => this.byId.get(id)!);
  }

  async candidates(row: IdentityRow): Promise<IdentityRecord[]> {
    if (row.idpUserId) {
      const found = this.find('idpUserId', row.idpUserId);
      if (found.length > 0) return found;
      const direct = this.byId.get(row.idpUserId);
      if (direct) return [direct];
      const asExternal = this.find('externalId', row.idpUserId);
      if (asExternal.length > 0) return asExternal;
    }
    if (row.externalId) {
      const found = this.find('externalId', row.externalId);
      if (found.length > 0) return found;
    }
    return row.email ? this.find('email', row.email) : [];
  }

  async put(record: IdentityRecord): Promise<void> {
    const old = this.byId.get(record.id);
    if (old) this.remove(old);
    this.add(record);
  }

  async flush(): Promise<void> {
    const records = [...this.byId.values()].sort((a, b) =>
      a.id < b.id ? -1 : a.id > b.id ? 1 : 0,
    );
    await mkdir(dirname(this.path), { recursive: true });
    const temp = `${this.path}.tmp`;
    await writeFile(temp, `${JSON.stringify({ records }, null, 2)}\n`, 'utf8');
    await rename(temp, this.path);
  }

  all(): IdentityRecord[] {
    return [...this.byId.values()];
  }
}

export interface ImportResult {
  created: number;
  updated: number;
  conflicts: RowError[];
}

/**
 * Writes each row: merged into the one record its keys find (links added, never removed), or as a
 * new record. A row whose keys find several records, or a record with another IdP id, is a
 * conflict: reported, not written.
 */
export async function importRows(
  sink: ImportSink,
  rows: ReadonlyArray<{ line: number; row: IdentityRow }>,
  options: { concurrency: number; now: Date; onRow?: () => void },
): Promise<ImportResult> {
  const result: ImportResult = { created: 0, updated: 0, conflicts: [] };
  const now = options.now.toISOString();
  let next = 0;
  const work = async () => {
    while (next < rows.length) {
      const { line, row } = rows[next++]!;
      const found = await sink.candidates(row);
      if (found.length > 1) {
        result.conflicts.push({ line, message: `matches ${found.length} identity records` });
      } else if (
        found[0] &&
        row.idpUserId &&
        found[0].idpUserId &&
        found[0].idpUserId !== row.idpUserId
      ) {
        result.conflicts.push({
          line,
          message: `the record for these keys has idpUserId ${found[0].idpUserId}, not ${row.idpUserId}`,
        });
      } else if (found[0]) {
        const r = found[0];
        await sink.put({
          ...r,
          ...(row.idpUserId ? { idpUserId: row.idpUserId } : {}),
          ...(row.externalId && !r.externalId ? { externalId: row.externalId } : {}),
          ...(row.email ? { email: row.email } : {}),
          helpCenterUserIds: { ...r.helpCenterUserIds, ...row.helpCenterUserIds },
          updatedAt: now,
          version: r.version + 1,
        });
        result.updated += 1;
      } else {
        await sink.put({
          id: `import-${randomUUID()}`,
          ...(row.idpUserId ? { idpUserId: row.idpUserId } : {}),
          ...(row.externalId ? { externalId: row.externalId } : {}),
          ...(row.email ? { email: row.email } : {}),
          active: true,
          helpCenterUserIds: row.helpCenterUserIds,
          createdAt: now,
          updatedAt: now,
          version: 1,
        });
        result.created += 1;
      }
      options.onRow?.();
    }
  };
  await Promise.all(Array.from({ length: Math.max(1, options.concurrency) }, work));
  await sink.flush();
  result.conflicts.sort((a, b) => a.line - b.line);
  return result;
}
