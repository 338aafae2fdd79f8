import * as z from 'zod';
import { ConfigError } from '#core/domain/errors.ts';

/**
 * Parses `env` with `schema`. @throws ConfigError naming every missing or invalid key at once.
 */
export function parseEnv<S extends z.core.$ZodType>(
  schema: S,
  env: Record<string, string | undefined>,
  what = 'configuration',
): z.infer<S> {
  const cleaned: Record<string, string> = {};
  for (const [key, value] of Object.entries(env)) {
    if (value !== undefined && value.trim() !== '') cleaned[key] = value.trim();
  }
  const result = z.safeParse(schema, cleaned);
  if (result.success) return result.data;
  const issues = result.error.issues.map((issue) => {
    const key = issue.path.join('.') || '(root)';
    const missing = issue.code === 'invalid_type' && cleaned[key] === undefined;
    return missing ? `${key}: required but not set` : `${key}: ${issue.message}`;
  });
  throw new ConfigError(`Invalid ${what}: ${issues.join('; ')}`, issues);
}

/** Comma-separated list → trimmed, non-empty entries. */
export const csv = z.string().transform((s) =>
  s
    .split(',')
    .map((part) => part.trim())
    .filter((part) => part.length > 0),
);

export const booleanFlag = z
  .enum(['true', 'false', '1', '0', 'yes', 'no'])
  .transform((v) => v === 'true' || v === '1' || v === 'yes');

export const positiveInt = z.coerce.number().int().positive();
