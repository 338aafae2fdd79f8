import { buildEventBridgeIngestFromEnv } from '#core/intake/eventbridge/handler.ts';

export const handler = buildEventBridgeIngestFromEnv(process.env);
