import { parseEnv } from '#core/config/parse-env.ts';
import { ENV } from '#core/contract/env-names.ts';
import * as z from '#core/contract/zod.ts';

const RedriveConfigSchema = z.object({
  [ENV.WORK_QUEUE_URL]: z.url(),
  [ENV.DEAD_LETTER_QUEUE_URL]: z.url(),
});

export interface RedriveConfig {
  workQueueUrl: string;
  deadLetterQueueUrl: string;
}

/** @throws ConfigError naming every bad key. */
export function loadRedriveConfig(env: Record<string, string | undefined>): RedriveConfig {
  const c = parseEnv(RedriveConfigSchema, env, 'redrive configuration');
  return { workQueueUrl: c[ENV.WORK_QUEUE_URL], deadLetterQueueUrl: c[ENV.DEAD_LETTER_QUEUE_URL] };
}
