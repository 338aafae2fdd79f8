import { randomUUID } from 'node:crypto';
import type { GroupMapping } from '#core/config/group-mapping.ts';
import { createEventBridgeIngestHandler } from '#core/intake/eventbridge/handler.ts';
import { DEFAULT_CUSTOM_EVENT_SOURCE } from '#core/intake/eventbridge/normalise.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

/** One `PutEvents` entry, as `aws events put-events --entries file://…` reads it. */
interface PutEventsEntry {
  Source?: unknown;
  DetailType?: unknown;
  Detail?: unknown;
  Time?: unknown;
}

/**
 * `POST /_local/events`: the local runner's stand-in for the default event bus and the custom-event
 * rule. Takes the same `Entries` JSON that `aws events put-events --entries file://…` sends (an
 * array, or `{"Entries": […]}`), wraps each entry in the EventBridge envelope the rule would
 * deliver (a new event `id`, `time`) and runs the eventbridge-ingest handler on it. Answers like
 * PutEvents: `{"FailedEntryCount", "Entries": [{"EventId"}]}`, plus what the handler did per entry.
 */
export function createLocalEventBus(deps: {
  queue: WorkQueue;
  logger: Logger;
  oktaDeprovisionEventTypes: readonly string[];
  groupMapping?: GroupMapping;
}) {
  const handler = createEventBridgeIngestHandler({
    queue: deps.queue,
    logger: deps.logger,
    oktaDeprovisionEventTypes: deps.oktaDeprovisionEventTypes,
    customEventSource: DEFAULT_CUSTOM_EVENT_SOURCE,
    ...(deps.groupMapping ? { groupMapping: deps.groupMapping } : {}),
  });
  return async (body: Buffer): Promise<{ status: number; body: unknown }> => {
    let parsed: unknown;
    try {
      parsed = JSON.parse(body.toString('utf8'));
    } catch {
      return { status: 400, body: { message: 'Body is not valid JSON' } };
    }
    const entries = Array.isArray(parsed)
      ? parsed
      : (parsed as { Entries?: unknown } | null)?.Entries;
    if (!Array.isArray(entries) || entries.length === 0 || entries.length > 10) {
      return { status: 400, body: { message: 'Expected 1 to 10 PutEvents entries' } };
    }
    const results = [];
    for (const entry of entries as PutEventsEntry[]) {
      const id = randomUUID();
      let detail: unknown;
      try {
        detail = typeof entry.Detail === 'string' ? JSON.parse(entry.Detail) : undefined;
      } catch {
        detail = undefined;
      }
      const result = await handler({
        version: '0',
        id,
        'detail-type': entry.DetailType,
        source: entry.Source,
        time: typeof entry.Time === 'string' ? entry.Time : new Date().toISOString(),
        region: 'local',
        resources: [],
        detail,
      });
      results.push({ EventId: id, ...result });
    }
    return { status: 200, body: { FailedEntryCount: 0, Entries: results } };
  };
}
