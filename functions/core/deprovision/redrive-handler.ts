import { SQSClient } from '@aws-sdk/client-sqs';
import { SqsDeadLetterSource } from '#core/adapters/aws/sqs-dead-letter-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { loadRedriveConfig } from '#core/config/redrive-config.ts';
import { RedriveInputSchema, type RedriveResult, redrive } from '#core/deprovision/redrive.ts';
import { ValidationError } from '#core/domain/errors.ts';
import { createLogger } from '#core/observability.ts';
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

/** Composition root of the redrive Lambda. @throws ConfigError */
export function buildRedriveFromEnv(env: Record<string, string | undefined>) {
  const config = loadRedriveConfig(env);
  const sqs = new SQSClient({});
  return createRedriveHandler({
    deadLetters: new SqsDeadLetterSource(sqs, config.deadLetterQueueUrl),
    queue: new SqsWorkQueue(sqs, config.workQueueUrl),
    logger: createLogger(),
  });
}
