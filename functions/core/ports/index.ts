import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';

/** Puts normalised requests on the work queue. @throws QueueError when any request could not be sent. */
export interface WorkQueue {
  send(requests: readonly DeprovisionRequest[], options?: SendOptions): Promise<void>;
}

export interface SendOptions {
  /** Marks the requests as released past the guard (redrive of held requests). */
  guardRelease?: boolean;
}

/** Reads a secret's string value by id (ARN or local name). @throws SecretError */
export interface SecretSource {
  getSecretString(secretId: string): Promise<string>;
  /** Drops any cached copy so the next read goes to the store. */
  invalidate?(secretId: string): void;
}

/** Writes a secret value (used by the token refresher). @throws SecretError */
export interface SecretWriter {
  putSecretString(secretId: string, value: string): Promise<void>;
}

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** Structured logger; `extra` must never contain secrets, tokens, headers or bodies. */
export interface Logger {
  debug(message: string, extra?: Record<string, unknown>): void;
  info(message: string, extra?: Record<string, unknown>): void;
  warn(message: string, extra?: Record<string, unknown>): void;
  error(message: string, extra?: Record<string, unknown>): void;
}

export const silentLogger: Logger = {
  debug: () => {},
  info: () => {},
  warn: () => {},
  error: () => {},
};

/** One Help Center user found by the directory lookup. */
export interface HelpCenterUser {
  id: string;
  email: string;
  helpCenterId: string;
}

export interface HelpCenterGroup {
  id: string;
  helpCenterId: string;
  name?: string;
}

/** What one removal did in one help center. */
export interface RemovalResult {
  helpCenterId: string;
  userId: string;
  /** `removed`: the call succeeded (or would have, in dry run); `no-op`: nothing to remove. */
  outcome: 'removed' | 'no-op';
  /** Group ids removed when the dialect tells us (zoho-desk-v1); undefined when it does not. */
  groupIds?: string[];
  /** Help Center HTTP status of the final call. */
  httpStatus: number;
  /** Help Center calls this removal made. */
  calls: number;
  dryRun: boolean;
}

/**
 * The Help Center, as the worker sees it. Implementations translate Zoho errors into AppErrors
 * (TransientError / PermanentError with kind and hint) so use cases never look at HTTP statuses.
 */
export interface HelpCenter {
  /** Users whose email equals `email` exactly (case-insensitive), in any help center. */
  findUsersByEmail(email: string): Promise<HelpCenterUser[]>;
  /** Removes the user from every group of `helpCenterId`. @throws TransientError, PermanentError */
  removeUserFromAllGroups(
    helpCenterId: string,
    userId: string,
    options?: { dryRun?: boolean },
  ): Promise<RemovalResult>;
  /** Groups the user is still in (verify-after). */
  listUserGroups(userId: string): Promise<HelpCenterGroup[]>;
}

/** The shared Zoho access token, as the Help Center client sees it. */
export interface TokenSource {
  /** Current access token (short cache). @throws TransientError, PermanentError */
  getAccessToken(): Promise<string>;
  /**
   * Called once when the Help Center answered INVALID_OAUTH for `rejected`: re-read the shared
   * token and, if it is still the rejected one, ask the refresher once. Returns the token to retry with.
   */
  refreshAfterRejection(rejected: string): Promise<string>;
}

/** Asks the token refresher (a function with concurrency 1) to mint a token now. */
export interface TokenRefresher {
  /** `rejectedToken`: the token a Help Center call refused, so the refresher mints only if still current. */
  requestRefresh(input: { rejectedToken?: string }): Promise<void>;
}

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

/** Where requests go when they finally fail. Record shape: see `DeadLetterRecord`. */
export interface DeadLetterQueue {
  send(record: import('#core/domain/dead-letter.ts').DeadLetterRecord): Promise<void>;
}

/** Counts deprovisions in a window so a mass deactivation is held for a human. */
export interface RateGuard {
  /** Counts one request; false when the window already holds the maximum. */
  admit(requestId: string): Promise<boolean>;
}

/** Counters for the dashboard (Powertools metrics in Lambda). */
export interface MetricsSink {
  count(
    name: 'Removed' | 'NoOp' | 'DeadLettered' | 'Held' | 'Retried' | 'Duplicate',
    value?: number,
  ): void;
  /** Writes what was counted (end of an invocation). */
  flush(): void;
}

export const noMetrics: MetricsSink = { count: () => {}, flush: () => {} };

/** A message read from the dead-letter queue, for redrive. */
export interface DeadLetterMessage {
  id: string;
  body: string;
  attributes: Readonly<Record<string, string>>;
}

/** Reads the dead-letter queue for redrive. */
export interface DeadLetterSource {
  /** Up to `max` messages, hidden from other readers until removed or released. */
  receive(max: number): Promise<DeadLetterMessage[]>;
  /** Deletes a message (only after it was sent back to the work queue). */
  remove(message: DeadLetterMessage): Promise<void>;
  /** Makes a message visible again (it did not match the redrive filter). */
  release(message: DeadLetterMessage): Promise<void>;
}

/** Counts one operational event (e.g. a dropped or missed notification) as a metric. */
export type CountMetric = (name: string, value?: number) => void;

export const noMetric: CountMetric = () => {};
