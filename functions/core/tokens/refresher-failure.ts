import * as z from '#core/contract/zod.ts';
import { FailureKindSchema } from '#core/domain/dead-letter.ts';
import { classifyFailure, isAppError } from '#core/domain/errors.ts';

/**
 * How the token refresher reports a failure to the worker that invoked it. Lambda passes only an
 * error's name and message back to a synchronous caller, so the refresher throws a
 * `RefresherFailedError` whose message is this object as JSON; the caller classifies by its typed
 * `kind` and `retryable` fields, never by the error's class name.
 */
export const RefresherFailureSchema = z.object({
  kind: FailureKindSchema,
  retryable: z.boolean(),
  message: z.string(),
  errorCode: z.optional(z.string()),
  hint: z.optional(z.string()),
});
export type RefresherFailure = z.infer<typeof RefresherFailureSchema>;

const MAX_MESSAGE_CHARS = 500;

/** The refresher's thrown error; its message is the JSON of `failure` (our messages hold no secrets). */
export class RefresherFailedError extends Error {
  constructor(
    readonly failure: RefresherFailure,
    options: { cause?: unknown } = {},
  ) {
    super(JSON.stringify(failure), options);
    this.name = 'RefresherFailedError';
  }
}

/** Describes any error the refresher use case threw with the one failure policy. */
export function toRefresherFailure(error: unknown): RefresherFailedError {
  const { kind, retryable } = classifyFailure(error);
  const message = (error instanceof Error ? error.message : 'token refresher failed').slice(
    0,
    MAX_MESSAGE_CHARS,
  );
  return new RefresherFailedError(
    {
      kind,
      retryable,
      message,
      ...(isAppError(error) && error.errorCode !== undefined ? { errorCode: error.errorCode } : {}),
      ...(isAppError(error) && error.hint !== undefined ? { hint: error.hint } : {}),
    },
    { cause: error },
  );
}

/** Reads a failure back from the `errorMessage` Lambda reported; undefined when it is not one. */
export function parseRefresherFailure(errorMessage: unknown): RefresherFailure | undefined {
  if (typeof errorMessage !== 'string') return undefined;
  try {
    const parsed = RefresherFailureSchema.safeParse(JSON.parse(errorMessage));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}
