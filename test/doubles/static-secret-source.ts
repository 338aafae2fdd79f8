import { SecretError } from '#core/domain/errors.ts';
import type { SecretSource, SecretWriter } from '#core/ports/secret-source.ts';

/** Secrets held in memory (local runs and tests). Unknown ids fail like a missing secret. */
export class StaticSecretSource implements SecretSource, SecretWriter {
  private readonly values: Map<string, string>;

  constructor(values: Record<string, string>) {
    this.values = new Map(Object.entries(values));
  }

  async getSecretString(secretId: string): Promise<string> {
    const value = this.values.get(secretId);
    if (value === undefined) throw new SecretError(`Secret ${secretId} is not set`, false);
    return value;
  }

  async putSecretString(secretId: string, value: string): Promise<void> {
    this.values.set(secretId, value);
  }
}
