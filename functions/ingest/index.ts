import { buildIngestFromEnv } from './compose.ts';

export const handler = await buildIngestFromEnv(process.env);
