import { buildTokenRefresherFromEnv } from './compose.ts';

/** Token refresher Lambda: EventBridge schedule and workers' `{rejectedTokenSha256}` invokes. */
export const handler = await buildTokenRefresherFromEnv(process.env);
