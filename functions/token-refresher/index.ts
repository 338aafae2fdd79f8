import { toRefresherFailure } from '#core/tokens/refresher-failure.ts';
import { buildTokenRefresherFromEnv } from './compose.ts';

/**
 * Token refresher Lambda: EventBridge schedule and workers' `{rejectedTokenSha256}` invokes. A
 * failed cold start is reported like any refresher failure (typed kind, e.g. `config`), so workers
 * dead-letter at once instead of retrying a refresher that cannot start.
 */
export const handler = await buildTokenRefresherFromEnv(process.env).catch((error: unknown) => {
  throw toRefresherFailure(error);
});
