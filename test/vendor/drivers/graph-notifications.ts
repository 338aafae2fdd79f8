import { buildGraphWorkerDeps } from '#core/compose/graph-worker-wiring.ts';
import { attemptGraphCheck } from '#core/deprovision/graph-check.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { systemClock } from '#core/ports/clock.ts';
import {
  DEFAULT_STANDIN_USERS,
  type StandinUser,
  startGraphStandin,
} from '../../../local/graph-standin/server.ts';
import {
  harnessIngestDeps,
  replayHttp,
  type VendorDriver,
  type VendorFixture,
} from '../harness.ts';

interface HarnessMock {
  request?: string;
  response_status?: number;
  response_body?: Partial<StandinUser> & { id?: string };
}

const GRAPH_SECRET_ID = 'vendor-replay-graph-secret';

/** The users the Graph stand-in holds: the fixture's `harness_mock` answer, else its defaults. */
function standinUsers(fixture: VendorFixture): StandinUser[] {
  const mock = fixture.harness_mock as HarnessMock | undefined;
  const user = mock?.response_body;
  if (mock?.response_status !== 200 || user?.id === undefined) return [...DEFAULT_STANDIN_USERS];
  return [
    {
      id: user.id,
      accountEnabled: user.accountEnabled ?? true,
      userPrincipalName: user.userPrincipalName ?? `${user.id}@contoso.example`,
      mail: user.mail ?? null,
    },
  ];
}

/** Path (without query) of the Graph lookup the fixture's `harness_mock` says the handler makes. */
function expectedLookupPath(fixture: VendorFixture): string | undefined {
  const request = (fixture.harness_mock as HarnessMock | undefined)?.request;
  const url = request?.split(' ')[1];
  return url === undefined ? undefined : new URL(url).pathname;
}

/**
 * Microsoft Graph change notifications on /webhooks/graph through the ingest handler, then the
 * worker's Graph check of each `updated` request (ingest only enqueues it), with user lookups
 * answered over HTTP by the local Graph stand-in (seeded from the fixture's harness_mock). What is
 * "enqueued" is what would be deprovisioned: `deleted` requests, and checked requests whose account
 * is disabled or gone, with the subject the worker resolved.
 * @throws Error when a fixture's harness_mock lookup was not made.
 */
export const graphNotificationsDriver: VendorDriver = {
  async replay(fixture) {
    const standin = await startGraphStandin({ users: standinUsers(fixture) });
    try {
      const { deps, queue } = harnessIngestDeps({
        [GRAPH_SECRET_ID]: JSON.stringify({
          tenantId: standin.tenantId,
          clientId: standin.clientId,
          clientSecret: standin.clientSecret,
        }),
      });
      const handler = createIngestHandler({ ...deps, graph: {} });
      const outcome = await replayHttp(handler, queue, fixture);
      const graph = await buildGraphWorkerDeps({
        config: { secretId: GRAPH_SECRET_ID, baseUrl: standin.url, loginUrl: standin.loginUrl },
        secretSource: deps.secretSource,
        logger: deps.logger,
        state: {
          readDelta: async () => ({ version: 0 }),
          advanceDelta: async () => true,
          readSubscription: async () => undefined,
          writeSubscription: async () => undefined,
        },
        queue,
      });
      const deprovisioned: DeprovisionRequest[] = [];
      for (const request of outcome.enqueued) {
        if (request.check?.kind !== 'graph-user') {
          deprovisioned.push(request);
          continue;
        }
        await attemptGraphCheck(
          { graph, clock: systemClock, logger: deps.logger },
          request,
          async (subject) => {
            deprovisioned.push({ ...request, subject });
            return { outcome: 'removed', removals: [], via: 'graph' };
          },
        );
      }
      const lookup = expectedLookupPath(fixture);
      if (lookup !== undefined) {
        const tail = lookup.replace(/^\/v1\.0/, '').toLowerCase();
        const calls = standin.state().calls;
        if (!calls.some((c) => c.method === 'GET' && c.path.toLowerCase().endsWith(tail))) {
          const seen = calls.map((c) => `${c.method} ${c.path}`).join(', ');
          throw new Error(`Expected the Graph lookup GET ${tail}; the stand-in saw ${seen}`);
        }
      }
      return { ...outcome, enqueued: deprovisioned };
    } finally {
      await standin.close();
    }
  },
};
