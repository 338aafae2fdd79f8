import { buildRedriveFromEnv } from '#core/deprovision/redrive-handler.ts';

export const handler = buildRedriveFromEnv(process.env);
