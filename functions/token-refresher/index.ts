import { buildTokenRefresherFromEnv } from '#core/tokens/refresher-handler.ts';

/** Token refresher Lambda: EventBridge schedule and workers' `{rejectedTokenSha256}` invokes. */
export const handler = await buildTokenRefresherFromEnv(process.env);
