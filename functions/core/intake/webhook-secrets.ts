import * as z from '#core/contract/zod.ts';
import { ConfigError, SecretError } from '#core/domain/errors.ts';
import type { SecretSource } from '#core/ports/secret-source.ts';

/** Shape of the webhook secret (one JSON secret; each route needs its own key). */
export const WebhookSecretsSchema = z.object({
  oktaAuthorization: z.optional(z.string().check(z.minLength(1))),
  scimBearerToken: z.optional(z.string().check(z.minLength(1))),
  graphClientState: z.optional(z.string().check(z.minLength(1))),
  webhookSigningSecret: z.optional(z.string().check(z.minLength(1))),
});
export type WebhookSecrets = z.infer<typeof WebhookSecretsSchema>;
export type WebhookSecretName = keyof WebhookSecrets;

/** Reads one key of the webhook secret through a (caching) secret source. */
export class WebhookSecretsReader {
  constructor(
    private readonly source: SecretSource,
    private readonly secretId: string,
  ) {}

  /** @throws SecretError when the secret is unreadable; ConfigError when `name` is not set in it. */
  async get(name: WebhookSecretName): Promise<string> {
    const raw = await this.source.getSecretString(this.secretId);
    let json: unknown;
    try {
      json = JSON.parse(raw);
    } catch {
      throw new SecretError('The webhook secret is not valid JSON', false);
    }
    const parsed = WebhookSecretsSchema.safeParse(json);
    if (!parsed.success) throw new SecretError('The webhook secret has an invalid shape', false);
    const value = parsed.data[name];
    if (value === undefined) {
      throw new ConfigError(`The webhook secret has no "${name}" value`, [name]);
    }
    return value;
  }
}
