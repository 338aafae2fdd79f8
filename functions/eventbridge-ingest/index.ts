import { buildEventBridgeIngestFromEnv } from './compose.ts';

export const handler = buildEventBridgeIngestFromEnv(process.env);
