import { buildRedriveFromEnv } from './compose.ts';

export const handler = buildRedriveFromEnv(process.env);
