import { describe, expect, it } from 'vitest';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import { createIngestHandler, type IngestDeps } from '#core/intake/ingest-handler.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';
import { appUnassignEvent, OKTA_TEST_SECRET, oktaDelivery } from '../../../fixtures/okta-events.ts';
import { apiGatewayEvent, lambdaContext } from '../../../helpers/api-gateway.ts';

const SECRET_ID = 'webhook-secret';
const ZOHO_APP = '0oa6a9uwbalsZ4enC0x7';
const WORKDAY_APP = '0oa1workday000000x7';

function setup(env: Record<string, string> = {}) {
  const queue = new InMemoryWorkQueue();
  const deps: IngestDeps = {
    config: loadIngestConfig({
      WORK_QUEUE_URL: 'http://queue.local/work',
      WEBHOOK_SECRET_ARN: SECRET_ID,
      IDENTITY_TABLE_NAME: 'identity',
      ...env,
    }),
    queue,
    identityStore: new InMemoryIdentityStore(),
    secretSource: new StaticSecretSource({
      [SECRET_ID]: JSON.stringify({ oktaAuthorization: OKTA_TEST_SECRET }),
    }),
    clock: { now: () => new Date('2026-11-20T09:15:02.000Z') },
    logger: silentLogger,
  };
  const handler = createIngestHandler(deps);
  const post = (events: unknown[]) =>
    handler(
      apiGatewayEvent({
        method: 'POST',
        path: '/webhooks/okta',
        headers: { 'Content-Type': 'application/json', Authorization: OKTA_TEST_SECRET },
        body: JSON.stringify(oktaDelivery(events)),
      }),
      lambdaContext,
    );
  return { queue, post };
}

const unassign = (appInstanceId: string, n = 1) =>
  appUnassignEvent({
    uuid: `22222222-aaaa-4bbb-8ccc-00000000000${n}`,
    appInstanceId,
    userId: `00uPERSON00000000${n}`,
  });

describe('Okta application.user_membership.remove (app scoping)', () => {
  it('deprovisions the User target fully when the AppInstance is the configured Zoho Desk app', async () => {
    const { post, queue } = setup({ OKTA_ZOHO_APP_INSTANCE_IDS: `${WORKDAY_APP}x, ${ZOHO_APP}` });
    const res = await post([unassign(ZOHO_APP)]);
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(1);
    expect(queue.sent[0]).toMatchObject({
      requestId: '22222222-aaaa-4bbb-8ccc-000000000001',
      source: 'okta-event-hook',
      subject: { idpUserId: '00uPERSON000000001' },
      reason: 'application.user_membership.remove',
    });
    expect(queue.sent[0]).not.toHaveProperty('scope');
  });

  it('ignores (200, nothing queued) an unassignment from another app', async () => {
    const { post, queue } = setup({ OKTA_ZOHO_APP_INSTANCE_IDS: ZOHO_APP });
    const res = await post([unassign(WORKDAY_APP)]);
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(0);
  });

  it('ignores app unassignments when no Zoho Desk app instance is configured, even if the type is listed', async () => {
    const { post, queue } = setup({
      OKTA_DEPROVISION_EVENT_TYPES: 'user.lifecycle.deactivate,application.user_membership.remove',
    });
    const res = await post([unassign(ZOHO_APP), unassign(WORKDAY_APP, 2)]);
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(0);
  });

  it('acts only on the Zoho Desk unassignment of a mixed delivery', async () => {
    const { post, queue } = setup({ OKTA_ZOHO_APP_INSTANCE_IDS: ZOHO_APP });
    const res = await post([unassign(WORKDAY_APP, 1), unassign(ZOHO_APP, 2)]);
    expect(res.statusCode).toBe(200);
    expect(queue.sent.map((r) => r.subject.idpUserId)).toEqual(['00uPERSON000000002']);
  });

  it('ignores an unassignment event without an AppInstance target', async () => {
    const { post, queue } = setup({ OKTA_ZOHO_APP_INSTANCE_IDS: ZOHO_APP });
    const event = unassign(ZOHO_APP);
    event.target = event.target.filter((t) => t.type !== 'AppInstance');
    const res = await post([event]);
    expect(res.statusCode).toBe(200);
    expect(queue.sent).toHaveLength(0);
  });
});
