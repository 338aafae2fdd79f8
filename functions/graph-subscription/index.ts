import { buildGraphSubscriptionFromEnv } from '#core/graph/wiring.ts';

export const handler = buildGraphSubscriptionFromEnv(process.env);
