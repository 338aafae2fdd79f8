import { awsErrorName, isTransientAwsError } from '#core/adapters/aws/aws-errors.ts';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  type SecretsManagerClient,
} from '#core/adapters/aws/sdk/client-secrets-manager.ts';
import { SecretError } from '#core/domain/errors.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type { SecretSource, SecretWriter } from '#core/ports/secret-source.ts';

interface CacheEntry {
  value: Promise<string>;
  expiresAt: number;
}

const NON_RETRYABLE = new Set([
  'ResourceNotFoundException',
  'AccessDeniedException',
  'InvalidParameterException',
  'InvalidRequestException',
  'DecryptionFailure',
]);

/**
 * Secrets Manager adapter with a TTL cache (concurrent readers share one in-flight request; a failed
 * read is not cached). Error messages name the secret id, never its value.
 */
export class SecretsManagerSecretSource implements SecretSource, SecretWriter {
  private readonly cache = new Map<string, CacheEntry>();

  constructor(
    private readonly client: SecretsManagerClient,
    private readonly options: { ttlMs: number; clock?: Clock } = { ttlMs: 60_000 },
  ) {}

  async getSecretString(secretId: string): Promise<string> {
    const now = (this.options.clock ?? systemClock).now().getTime();
    const cached = this.cache.get(secretId);
    if (cached && cached.expiresAt > now) return cached.value;
    const value = this.fetch(secretId);
    this.cache.set(secretId, { value, expiresAt: now + this.options.ttlMs });
    value.catch(() => {
      if (this.cache.get(secretId)?.value === value) this.cache.delete(secretId);
    });
    return value;
  }

  invalidate(secretId: string): void {
    this.cache.delete(secretId);
  }

  async putSecretString(secretId: string, value: string): Promise<void> {
    try {
      await this.client.send(
        new PutSecretValueCommand({ SecretId: secretId, SecretString: value }),
      );
      this.invalidate(secretId);
    } catch (error) {
      throw translate(error, secretId, 'write');
    }
  }

  private async fetch(secretId: string): Promise<string> {
    try {
      const out = await this.client.send(new GetSecretValueCommand({ SecretId: secretId }));
      if (out.SecretString === undefined || out.SecretString === '') {
        throw new SecretError(`Secret ${secretId} has no string value`, false);
      }
      return out.SecretString;
    } catch (error) {
      throw translate(error, secretId, 'read');
    }
  }
}

function translate(error: unknown, secretId: string, action: 'read' | 'write'): SecretError {
  if (error instanceof SecretError) return error;
  const name = awsErrorName(error);
  return new SecretError(
    `Could not ${action} secret ${secretId}: ${name}`,
    isTransientAwsError(error) || !NON_RETRYABLE.has(name),
    { cause: error, errorCode: name },
  );
}
