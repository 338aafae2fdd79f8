import type { GraphSubscription, GraphUser } from '#core/intake/graph/schemas.ts';

/** Reads users from Microsoft Graph. */
export interface GraphUsers {
  /**
   * The user with `$select=id,accountEnabled,userPrincipalName,mail`, or `undefined` when Graph
   * answers 404 (hard- or soft-deleted). @throws TransientError, PermanentError
   */
  getUser(id: string): Promise<GraphUser | undefined>;
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

/** What the webhook asks of the subscription use case when a lifecycle notification arrives. */
export interface GraphSubscriptionMaintenance {
  /** Extends (and so reauthorizes) the subscription; recreates it when Graph no longer has it. */
  renew(subscriptionId: string): Promise<unknown>;
  /** Creates our subscription when it is missing (after `subscriptionRemoved`). */
  ensure(): Promise<unknown>;
}
