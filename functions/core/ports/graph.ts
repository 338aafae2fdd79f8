import type { GraphDeltaPage, GraphSubscription, GraphUser } from '#core/intake/graph/schemas.ts';

/** Reads users from Microsoft Graph. */
export interface GraphUsers {
  /**
   * The user with `$select=id,accountEnabled,userPrincipalName,mail`, or `undefined` when Graph
   * answers 404 (hard- or soft-deleted). @throws TransientError, PermanentError
   */
  getUser(id: string): Promise<GraphUser | undefined>;
}

/**
 * Graph's users delta query (learn.microsoft.com/graph/delta-query-users): `usersDelta()` starts a
 * round (`GET /users/delta?$select=id,accountEnabled,userPrincipalName,mail`), `usersDelta(link)`
 * follows an `@odata.nextLink` or a stored `@odata.deltaLink`.
 * @throws TransientError (429/5xx, network), PermanentError; DeltaLinkExpiredError (410: the
 *   stored link is too old, a full round is needed).
 */
export interface GraphUserDelta {
  usersDelta(link?: string): Promise<GraphDeltaPage>;
}

/** What the worker does for a `reauthorizationRequired` lifecycle notification. */
export interface GraphSubscriptionReauthorizer {
  /**
   * `POST /subscriptions/{id}/reauthorize` (learn.microsoft.com/graph/api/subscription-reauthorize).
   * @returns false when Graph no longer has the subscription (404). @throws TransientError,
   *   PermanentError
   */
  reauthorizeSubscription(id: string): Promise<boolean>;
}

export interface NewGraphSubscription {
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl?: string;
  resource: string;
  expirationDateTime: string;
  clientState: string;
}

/** Graph `/subscriptions`. Every call may throw TransientError or PermanentError. */
export interface GraphSubscriptions {
  listSubscriptions(): Promise<GraphSubscription[]>;
  createSubscription(input: NewGraphSubscription): Promise<GraphSubscription>;
  /** PATCH expirationDateTime; `undefined` when the subscription no longer exists (404). */
  renewSubscription(id: string, expirationDateTime: string): Promise<GraphSubscription | undefined>;
  deleteSubscription(id: string): Promise<void>;
}
