import { SQSClient } from '#core/adapters/aws/sdk/client-sqs.ts';
import { SqsDeadLetterSource } from '#core/adapters/aws/sqs-dead-letter-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { loadRedriveConfig } from '#core/config/redrive-config.ts';
import { createRedriveHandler } from '#core/deprovision/redrive-handler.ts';
import { createLogger } from '#core/observability.ts';

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
