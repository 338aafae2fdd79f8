import { buildWorkerFromEnv } from './compose.ts';

export const handler = await buildWorkerFromEnv(process.env);
