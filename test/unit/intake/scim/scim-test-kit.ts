import type { GroupMapping } from '#core/config/group-mapping.ts';
import { createIngestHandler, type IngestDeps } from '#core/intake/ingest-handler.ts';
import type { IdentityRecord, IdentityStore } from '#core/ports/identity-store.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../../../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';
import { apiGatewayEvent, lambdaContext } from '../../../helpers/api-gateway.ts';

export const SCIM_TOKEN = 'scim-test-token-0123456789';
export const NOW = new Date('2026-11-20T09:15:02.000Z');
const SECRET_ID = 'webhook-secret';

export const PATCH_OP = 'urn:ietf:params:scim:api:messages:2.0:PatchOp';
export const USER = 'urn:ietf:params:scim:schemas:core:2.0:User';
export const LIST = 'urn:ietf:params:scim:api:messages:2.0:ListResponse';
export const GROUP = 'urn:ietf:params:scim:schemas:core:2.0:Group';
export const ERROR = 'urn:ietf:params:scim:api:messages:2.0:Error';

/** An identity record as POST /Users would have stored it. */
export function seededUser(id: string, extra: Partial<IdentityRecord> = {}): IdentityRecord {
  const userName = extra.userName ?? `${id}@example.org`;
  return {
    id,
    userName,
    email: userName,
    externalId: `ext-${id}`,
    active: true,
    attributes: {
      schemas: [USER],
      displayName: `User ${id}`,
      name: { givenName: 'Given', familyName: 'Family' },
      emails: [{ value: userName, type: 'work', primary: true }],
    },
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...extra,
  };
}

export function setup(
  seed: IdentityRecord[] = [],
  options: {
    maxBodyBytes?: number;
    identityStore?: IdentityStore;
    groupMapping?: GroupMapping;
  } = {},
) {
  const queue = new InMemoryWorkQueue();
  const store = new InMemoryIdentityStore(seed);
  const deps: IngestDeps = {
    config: {
      workQueueUrl: 'http://queue.local/work',
      webhookSecretId: SECRET_ID,
      oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
      maxBodyBytes: options.maxBodyBytes ?? 256 * 1024,
      ...(options.groupMapping ? { groupMapping: options.groupMapping } : {}),
    },
    queue,
    secretSource: new StaticSecretSource({
      [SECRET_ID]: JSON.stringify({ scimBearerToken: SCIM_TOKEN }),
    }),
    identityStore: options.identityStore ?? store,
    clock: { now: () => NOW },
    logger: silentLogger,
  };
  const handler = createIngestHandler(deps);
  const send = async (
    method: string,
    path: string,
    init: {
      body?: unknown;
      query?: Record<string, string>;
      headers?: Record<string, string>;
      auth?: string | null;
    } = {},
  ) => {
    const headers: Record<string, string> = { host: 'scim.example.test', ...init.headers };
    const auth = init.auth === undefined ? `Bearer ${SCIM_TOKEN}` : init.auth;
    if (auth !== null) headers.Authorization = auth;
    if (init.body !== undefined && !Object.keys(headers).some((h) => /content-type/i.test(h))) {
      headers['Content-Type'] = 'application/scim+json';
    }
    const event = apiGatewayEvent({
      method,
      path,
      headers,
      ...(init.query ? { query: init.query } : {}),
      body:
        init.body === undefined
          ? null
          : typeof init.body === 'string'
            ? init.body
            : JSON.stringify(init.body),
    });
    const res = await handler(event, lambdaContext);
    const text = typeof res.body === 'string' ? res.body : '';
    return {
      status: res.statusCode,
      headers: res.headers ?? {},
      text,
      json: (text === '' ? undefined : JSON.parse(text)) as Record<string, unknown> | undefined,
    };
  };
  return { queue, store, send };
}

export const patchBody = (...operations: unknown[]) => ({
  schemas: [PATCH_OP],
  Operations: operations,
});

/** The ids of a ListResponse's Resources. */
export function resourceIds(json: Record<string, unknown> | undefined): string[] {
  return ((json?.Resources ?? []) as { id: string }[]).map((r) => r.id);
}
