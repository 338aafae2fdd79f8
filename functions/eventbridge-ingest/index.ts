import { buildEventBridgeIngestFromEnv } from '#core/wiring/eventbridge-ingest.ts';

export const handler = buildEventBridgeIngestFromEnv(process.env);
