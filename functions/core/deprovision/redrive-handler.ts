import { RedriveInputSchema, type RedriveResult, redrive } from '#core/deprovision/redrive.ts';
import { ValidationError } from '#core/domain/errors.ts';
import type { DeadLetterSource } from '#core/ports/dead-letter-queue.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

/** The redrive Lambda handler: `{failureKind?, source?, maxCount?}` in, a summary out. */
export function createRedriveHandler(deps: {
  deadLetters: DeadLetterSource;
  queue: WorkQueue;
  logger: Logger;
}) {
  return async (event: unknown): Promise<RedriveResult> => {
    const input = RedriveInputSchema.safeParse(event ?? {});
    if (!input.success) {
      throw new ValidationError(
        `Invalid redrive input: ${input.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    return redrive(deps, input.data);
  };
}
