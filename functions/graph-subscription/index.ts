import { buildGraphSubscriptionFromEnv } from '#core/intake/graph/wiring.ts';

export const handler = await buildGraphSubscriptionFromEnv(process.env);
