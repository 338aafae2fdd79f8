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
