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
