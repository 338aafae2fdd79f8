import { buildIngestFromEnv } from '#core/intake/ingest-handler.ts';

export const handler = await buildIngestFromEnv(process.env);
