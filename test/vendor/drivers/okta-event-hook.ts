import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { harnessIngestDeps, replayHttp, type VendorDriver } from '../harness.ts';

/** Okta Event Hooks: GET verification and POST deliveries on /webhooks/okta via the ingest handler. */
export const oktaEventHookDriver: VendorDriver = {
  async replay(fixture) {
    const { deps, queue } = harnessIngestDeps();
    return replayHttp(createIngestHandler(deps), queue, fixture);
  },
};
