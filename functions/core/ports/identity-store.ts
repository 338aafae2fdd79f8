/** A person the service knows about, written by SCIM create/match or an import. */
export interface IdentityRecord {
  /** Our id for the record (the SCIM resource id for SCIM-created users). */
  id: string;
  userName?: string;
  externalId?: string;
  /** IdP-side user id (Okta user id, Entra object id) when known. */
  idpUserId?: string;
  email?: string;
  active: boolean;
  /** helpCenterId → Help Center user id, when linked. */
  helpCenterUserIds?: Record<string, string>;
  /** The SCIM attributes as last written (name, displayName, emails, ...), for GET responses. */
  attributes?: Record<string, unknown>;
  createdAt: string;
  updatedAt: string;
  /** Bumped on every write; used for SCIM ETags / optimistic concurrency. */
  version: number;
}

export type IdentityLookupKey = 'userName' | 'externalId' | 'idpUserId' | 'email';

/** Identity store (DynamoDB in AWS, a local file locally). Lookups on userName/email are case-insensitive. */
export interface IdentityStore {
  get(id: string): Promise<IdentityRecord | undefined>;
  findBy(key: IdentityLookupKey, value: string): Promise<IdentityRecord[]>;
  /** Creates or replaces the record. */
  put(record: IdentityRecord): Promise<void>;
  delete(id: string): Promise<void>;
  /** Pages through every record, ordered by id (SCIM list without a filter). */
  list(options: {
    startIndex: number;
    count: number;
  }): Promise<{ total: number; records: IdentityRecord[] }>;
}

/**
 * The worker's conditional writes to the identity store (link write-back). Separate from
 * IdentityStore so that functions that never write links (ingest) do not carry them.
 */
export interface IdentityLinkWriter {
  /**
   * Creates the record only if no record has its id (conditional create).
   * @returns false when a record with that id already exists (nothing written)
   */
  create(record: IdentityRecord): Promise<boolean>;
  /**
   * Sets the record's Help Center links to `helpCenterUserIds`, bumps `version` and sets
   * `updatedAt`, and changes nothing else (never `active`), only while the stored `version` still
   * equals `expectedVersion` (optimistic concurrency: the worker's write-back must not undo a SCIM
   * write it did not see).
   * @returns false when the record is gone or its version moved on (nothing written)
   */
  linkHelpCenterUsers(
    id: string,
    helpCenterUserIds: Readonly<Record<string, string>>,
    options: { expectedVersion: number; updatedAt: string },
  ): Promise<boolean>;
}
