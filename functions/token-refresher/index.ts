import { buildTokenRefresherFromEnv } from '#core/tokens/token-refresher-wiring.ts';

/** Token refresher Lambda: EventBridge schedule and workers' `{rejectedToken}` invokes. */
export const handler = await buildTokenRefresherFromEnv(process.env);
