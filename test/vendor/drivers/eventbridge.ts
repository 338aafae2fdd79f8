import { createEventBridgeIngestHandler } from '#core/intake/eventbridge/handler.ts';
import { DEFAULT_CUSTOM_EVENT_SOURCE } from '#core/intake/eventbridge/normalise.ts';
import { harnessIngestDeps, type VendorDriver } from '../harness.ts';

/**
 * EventBridge rule target: the Lambda receives the event object itself (`request.body`); there is
 * no HTTP status, so only what was enqueued is compared (a thrown error fails the fixture).
 */
export const eventBridgeDriver: VendorDriver = {
  async replay(fixture) {
    const { deps, queue } = harnessIngestDeps();
    const handler = createEventBridgeIngestHandler({
      queue,
      logger: deps.logger,
      oktaDeprovisionEventTypes: deps.config.oktaDeprovisionEventTypes,
      customEventSource: DEFAULT_CUSTOM_EVENT_SOURCE,
    });
    await handler(fixture.request.body);
    return { enqueued: [...queue.sent] };
  },
};
