import { SQSClient } from '#core/adapters/aws/sdk/client-sqs.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { parseEnv } from '#core/config/parse-env.ts';
import { ENV } from '#core/contract/env-names.ts';
import {
  createEventBridgeIngestHandler,
  EventBridgeIngestConfigSchema,
} from '#core/intake/eventbridge/handler.ts';
import { createLogger, powertoolsCountMetric } from '#core/observability.ts';

/** Composition root of the EventBridge ingest Lambda. @throws ConfigError naming every bad key. */
export function buildEventBridgeIngestFromEnv(env: Record<string, string | undefined>) {
  const config = parseEnv(EventBridgeIngestConfigSchema, env, 'eventbridge ingest configuration');
  return createEventBridgeIngestHandler({
    queue: new SqsWorkQueue(new SQSClient({}), config[ENV.WORK_QUEUE_URL]),
    logger: createLogger(),
    oktaDeprovisionEventTypes: config[ENV.OKTA_DEPROVISION_EVENT_TYPES],
    customEventSource: config[ENV.CUSTOM_EVENT_SOURCE],
    groupMapping: parseGroupMapping(config[ENV.GROUP_MAPPING]),
    metric: powertoolsCountMetric(),
  });
}
