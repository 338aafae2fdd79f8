import { buildGraphSubscriptionFromEnv } from './compose.ts';

export const handler = await buildGraphSubscriptionFromEnv(process.env);
