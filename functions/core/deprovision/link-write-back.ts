import type { RemovalTarget } from '#core/deprovision/map-subject.ts';
import type { Subject } from '#core/domain/deprovision-request.ts';
import { classifyFailure } from '#core/domain/errors.ts';
import type { Clock } from '#core/ports/clock.ts';
import type {
  IdentityLinkWriter,
  IdentityRecord,
  IdentityStore,
} from '#core/ports/identity-store.ts';
import type { Logger } from '#core/ports/logger.ts';

/** Reads through the identity store; writes through the link writer (often the same store). */
export interface WriteBackDeps {
  identityStore: IdentityStore;
  identityLinks: IdentityLinkWriter;
  clock: Clock;
}

export type WriteBackResult =
  | 'linked'
  | 'created'
  | 'unchanged'
  | 'skipped'
  | 'conflict'
  | 'failed';

/** Re-reads after a concurrent write before giving up (the links are found again next time). */
const MAX_ATTEMPTS = 3;

/**
 * Worker write-back: records the Help Center user ids an exact-email directory match found, per
 * help center, on the identity record keyed by the request's `idpUserId` (record id, idpUserId or
 * externalId) or `externalId`, creating a record with only those keys when there is none. A later
 * request that carries only the IdP id (a Graph `deleted` notification) then resolves from the
 * store. Callers pass only directory matches (never an ambiguous match or a no-match).
 * `allowCreate: false` only links existing records: a SCIM request's IdP id is our own record id,
 * and a missing record there means SCIM deleted it, which a write-back must not undo.
 *
 * The write is conditional on the record's version and sets nothing but the links, so it can
 * never undo a SCIM write (a deactivation) that happened between the read and the write; on a
 * conflict it reads again. Existing links are kept. Best effort: a failure is logged (never the
 * email) and does not fail the deprovision.
 */
export async function writeBackLinks(
  deps: WriteBackDeps & { logger: Logger },
  subject: Subject,
  found: readonly RemovalTarget[],
  log: Record<string, unknown>,
  options: { allowCreate: boolean } = { allowCreate: true },
): Promise<WriteBackResult> {
  if (found.length === 0) return 'skipped';
  try {
    const result = await write(deps, subject, found, options.allowCreate);
    if (result !== 'skipped' && result !== 'unchanged') {
      deps.logger[result === 'conflict' ? 'warn' : 'info']('identity links written back', {
        ...log,
        writeBack: result,
        helpCenters: found.map((t) => t.helpCenterId),
      });
    }
    return result;
  } catch (error) {
    deps.logger.warn('identity link write-back failed; the deprovision goes on', {
      ...log,
      failure: classifyFailure(error).kind,
      error: error instanceof Error ? error.name : 'unknown',
    });
    return 'failed';
  }
}

async function write(
  deps: WriteBackDeps,
  subject: Subject,
  found: readonly RemovalTarget[],
  allowCreate: boolean,
): Promise<WriteBackResult> {
  const links = Object.fromEntries(found.map((t) => [t.helpCenterId, t.userId]));
  for (let attempt = 0; attempt < MAX_ATTEMPTS; attempt += 1) {
    const keyed = await keyedRecord(deps.identityStore, subject);
    if (keyed === undefined) return 'skipped';
    const now = deps.clock.now().toISOString();
    if ('record' in keyed) {
      const existing = keyed.record.helpCenterUserIds ?? {};
      // Links already recorded win: they came from SCIM, an import or an operator.
      const merged = { ...links, ...existing };
      if (Object.keys(merged).length === Object.keys(existing).length) return 'unchanged';
      const written = await deps.identityLinks.linkHelpCenterUsers(keyed.record.id, merged, {
        expectedVersion: keyed.record.version,
        updatedAt: now,
      });
      if (written) return 'linked';
      continue;
    }
    if (!allowCreate) return 'skipped';
    const record: IdentityRecord = {
      id: keyed.newId,
      ...(subject.idpUserId ? { idpUserId: subject.idpUserId } : {}),
      ...(subject.externalId ? { externalId: subject.externalId } : {}),
      // Written only while deprovisioning this person: the IdP has deactivated them.
      active: false,
      helpCenterUserIds: links,
      createdAt: now,
      updatedAt: now,
      version: 1,
    };
    if (await deps.identityLinks.create(record)) return 'created';
  }
  return 'conflict';
}

/**
 * The one record the request's IdP keys name, or the id a new record gets; undefined when the
 * request has no IdP key, or a key names several records (never guess).
 */
async function keyedRecord(
  store: IdentityStore,
  subject: Subject,
): Promise<{ record: IdentityRecord } | { newId: string } | undefined> {
  const lookups: Array<() => Promise<IdentityRecord[]>> = [];
  const idp = subject.idpUserId;
  const ext = subject.externalId;
  if (idp) {
    lookups.push(async () => {
      const direct = await store.get(idp);
      return direct ? [direct] : [];
    });
    lookups.push(() => store.findBy('idpUserId', idp));
    lookups.push(() => store.findBy('externalId', idp));
  }
  if (ext) lookups.push(() => store.findBy('externalId', ext));
  for (const lookup of lookups) {
    const records = await lookup();
    if (records.length > 1) return undefined;
    if (records[0]) return { record: records[0] };
  }
  const newId = idp ?? ext;
  return newId === undefined ? undefined : { newId };
}
