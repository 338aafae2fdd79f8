import { buildWorkerFromEnv } from '#core/wiring/worker-lambda.ts';

export const handler = await buildWorkerFromEnv(process.env);
