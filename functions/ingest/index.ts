import { buildIngestFromEnv } from '#core/wiring/ingest.ts';

export const handler = await buildIngestFromEnv(process.env);
