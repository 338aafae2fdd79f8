/** Counts deprovisions in a window so a mass deactivation is held for a human. */
export interface RateGuard {
  /** Counts one request; false when the window already holds the maximum. */
  admit(requestId: string): Promise<boolean>;
}
