import { type ParseArgsConfig, parseArgs } from 'node:util';

/** A wrong command line: exit code 2, with the message naming the flag or argument. */
export class UsageError extends Error {
  override name = 'UsageError';
}

/** Findings the operator must look at (exit code 1), e.g. a failed deprovision. */
export class FindingsError extends Error {
  override name = 'FindingsError';
}

export type Options = NonNullable<ParseArgsConfig['options']>;

/** Flags every command accepts. */
export const COMMON_OPTIONS = {
  json: { type: 'boolean', default: false },
  help: { type: 'boolean', short: 'h', default: false },
  aws: { type: 'boolean', default: false },
  stage: { type: 'string' },
  url: { type: 'string' },
} as const satisfies Options;

/**
 * `util.parseArgs` in strict mode; an unknown flag or a missing value becomes a UsageError whose
 * message names it.
 */
export function parse<O extends Options>(argv: readonly string[], options: O) {
  try {
    return parseArgs({
      args: [...argv],
      options: { ...COMMON_OPTIONS, ...options },
      allowPositionals: true,
      strict: true,
    });
  } catch (error) {
    // Node's own text for an unknown option suggests `-- "--x"` (and leaves a quote open).
    const unknown = /^Unknown option '([^']+)'/.exec((error as Error).message)?.[1];
    throw new UsageError(
      unknown !== undefined
        ? `unknown option ${unknown} (--help lists the options)`
        : (error as Error).message,
    );
  }
}

/** A positive integer flag value. @throws UsageError naming the flag */
export function positiveInt(flag: string, value: string | undefined): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0) {
    throw new UsageError(`--${flag} must be a positive whole number (got "${value}")`);
  }
  return n;
}

/** One of `allowed`. @throws UsageError naming the flag and the allowed values */
export function oneOf<T extends string>(
  flag: string,
  value: string | undefined,
  allowed: readonly T[],
): T | undefined {
  if (value === undefined) return undefined;
  if (!(allowed as readonly string[]).includes(value)) {
    throw new UsageError(`--${flag} must be one of ${allowed.join(', ')} (got "${value}")`);
  }
  return value as T;
}
