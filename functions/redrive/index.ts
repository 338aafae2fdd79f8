import { buildRedriveFromEnv } from '#core/wiring/redrive.ts';

export const handler = buildRedriveFromEnv(process.env);
