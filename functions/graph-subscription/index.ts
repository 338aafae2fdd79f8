import { buildGraphSubscriptionFromEnv } from '#core/graph/wiring.ts';

export const handler = await buildGraphSubscriptionFromEnv(process.env);
