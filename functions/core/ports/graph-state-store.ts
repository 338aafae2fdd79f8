/** Where the users delta round left off (one record per tenant's `users` resource). */
export interface DeltaLinkState {
  /** `@odata.deltaLink` of the last completed round; absent before the first (initial) sync. */
  deltaLink?: string;
  /** Bumped on every advance; the conditional write compares it (0 before the first). */
  version: number;
  /** When the last round completed (ISO 8601). */
  resyncedAt?: string;
}

/** The last subscription renewal the graph-subscription function recorded. */
export interface SubscriptionState {
  subscriptionId: string;
  /** `created`, `renewed` or `unchanged` (checked and still current). */
  action: string;
  /** Graph's `expirationDateTime` of the subscription after the run. */
  expirationDateTime: string;
  /** When the function ran (ISO 8601). */
  checkedAt: string;
}

/**
 * Durable Graph bookkeeping: the delta link (DynamoDB in AWS, a file under LOCAL_DATA_DIR locally)
 * and the last subscription renewal (read by `status`).
 */
export interface GraphStateStore {
  readDelta(): Promise<DeltaLinkState>;
  /**
   * Stores `deltaLink` when the stored version is still `expectedVersion` (conditional write), so
   * two resyncs never both advance the link from the same start.
   * @returns false when another resync advanced it first (nothing written). @throws TransientError
   */
  advanceDelta(
    expectedVersion: number,
    next: { deltaLink: string; resyncedAt: string },
  ): Promise<boolean>;
  readSubscription(): Promise<SubscriptionState | undefined>;
  writeSubscription(state: SubscriptionState): Promise<void>;
}
