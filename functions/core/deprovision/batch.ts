import { BatchProcessor, EventType, processPartialResponse } from '@aws-lambda-powertools/batch';
import type { Context, SQSBatchResponse, SQSEvent, SQSRecord } from 'aws-lambda';
import { GUARD_RELEASE_VALUE, MESSAGE_ATTRIBUTE } from '#core/contract/message-attributes.ts';
import { METRIC } from '#core/contract/metrics.ts';
import {
  type Outcome,
  type ProcessDeps,
  processDeprovision,
  QuotaWaitError,
} from '#core/deprovision/process-deprovision.ts';
import { DeprovisionRequestSchema, isGraphMaintenance } from '#core/domain/deprovision-request.ts';
import { ValidationError } from '#core/domain/errors.ts';
import { type MetricsSink, noMetrics } from '#core/ports/metrics.ts';

export interface WorkerDeps extends ProcessDeps {
  metrics?: MetricsSink;
  /**
   * Keeps a failed record invisible for `delaySeconds` before its next receive (SQS
   * ChangeMessageVisibility in Lambda). Used for THRESHOLD_EXCEEDED; without it the queue's own
   * redelivery delay applies.
   */
  deferMessage?: (record: SQSRecord, delaySeconds: number) => Promise<void>;
  /** Called once per invocation with the Lambda context (Powertools idempotency needs it). */
  onInvocation?: (context: Context) => void;
}

export const METRIC_BY_OUTCOME = {
  removed: METRIC.REMOVED,
  'no-op': METRIC.NO_OP,
  'dead-lettered': METRIC.DEAD_LETTERED,
  held: METRIC.HELD,
} as const;

/** Metric counted whenever the Help Center answers THRESHOLD_EXCEEDED (alarm on it). */
export const QUOTA_METRIC = METRIC.QUOTA_EXCEEDED;

async function deferQuietly(deps: WorkerDeps, record: SQSRecord, delaySeconds: number) {
  if (deps.deferMessage === undefined) return;
  try {
    await deps.deferMessage(record, delaySeconds);
  } catch (error) {
    // The record still fails back to the queue; it only comes back sooner than planned.
    deps.logger.warn('could not extend the visibility of a quota-limited message', {
      messageId: record.messageId,
      error: error instanceof Error ? error.name : 'unknown',
    });
  }
}

/** Processes one SQS record; throws to report it as a batch item failure. */
export function createRecordHandler(deps: WorkerDeps) {
  const metrics = deps.metrics ?? noMetrics;
  return async (record: SQSRecord): Promise<Outcome> => {
    let body: unknown;
    try {
      body = JSON.parse(record.body);
    } catch {
      body = undefined;
    }
    const parsed = DeprovisionRequestSchema.safeParse(body);
    if (!parsed.success) {
      // Left to the queue's redrive policy: after the last receive SQS moves it to the DLQ as is.
      deps.logger.error('work message is not a DeprovisionRequest', {
        messageId: record.messageId,
      });
      throw new ValidationError('work message is not a DeprovisionRequest');
    }
    const firstReceived = Number(record.attributes.ApproximateFirstReceiveTimestamp);
    try {
      const outcome = await processDeprovision(deps, parsed.data, {
        messageId: record.messageId,
        receiveCount: Number(record.attributes.ApproximateReceiveCount) || 1,
        ...(Number.isFinite(firstReceived) && firstReceived > 0
          ? { firstReceivedAt: new Date(firstReceived) }
          : {}),
        guardReleased:
          record.messageAttributes?.[MESSAGE_ATTRIBUTE.GUARD_RELEASE]?.stringValue ===
          GUARD_RELEASE_VALUE,
      });
      metrics.count(METRIC_BY_OUTCOME[outcome.kind]);
      if ('duplicate' in outcome && outcome.duplicate) metrics.count(METRIC.DUPLICATE);
      if (outcome.kind === 'dead-lettered' && outcome.failure.kind === 'quota') {
        metrics.count(QUOTA_METRIC);
      }
      // A resync or a reauthorization that failed for good: notifications may be missing.
      if (outcome.kind === 'dead-lettered' && isGraphMaintenance(parsed.data)) {
        metrics.count(METRIC.GRAPH_LIFECYCLE_ACTION_FAILED);
      }
      return outcome;
    } catch (error) {
      if (error instanceof QuotaWaitError) {
        metrics.count(QUOTA_METRIC);
        await deferQuietly(deps, record, error.delaySeconds);
      } else {
        metrics.count(METRIC.RETRIED);
      }
      throw error;
    }
  };
}

/** The worker Lambda handler: SQS batch with partial batch failures (Powertools batch). */
export function createWorkerHandler(deps: WorkerDeps) {
  const recordHandler = createRecordHandler(deps);
  return async (event: SQSEvent, context: Context): Promise<SQSBatchResponse> => {
    deps.onInvocation?.(context);
    const processor = new BatchProcessor(EventType.SQS);
    try {
      return await processPartialResponse(event, recordHandler, processor, {
        context,
        throwOnFullBatchFailure: false,
      });
    } finally {
      deps.metrics?.flush();
    }
  };
}
