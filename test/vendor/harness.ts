import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { APIGatewayProxyEventV2 } from 'aws-lambda';
import { loadIngestConfig } from '#core/config/ingest-config.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import type { HttpResponse } from '#core/http/http.ts';
import type { IngestDeps } from '#core/intake/ingest-handler.ts';
import type { WebhookSecrets } from '#core/intake/webhook-secrets.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../../local/adapters/in-memory-identity-store.ts';
import { InMemoryWorkQueue } from '../doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../doubles/static-secret-source.ts';
import { lambdaContext } from '../helpers/api-gateway.ts';

/** One vendor request fixture (format: ../shared/fixtures/README.md). */
export interface VendorFixture {
  id: string;
  provenance?: string;
  optional?: boolean;
  request: {
    method: string;
    path: string | null;
    headers: Record<string, string>;
    query?: Record<string, string>;
    raw_query?: string;
    body: unknown;
  };
  expect: 'deprovision' | 'ignore' | 'verification' | 'reject';
  expected_status?: number[];
  expected_response?: { content_type?: string; body_json?: unknown; body_text?: string };
  expected_subjects?: Record<string, string>[];
  harness_mock?: Record<string, unknown>;
}

export interface LoadedFixture {
  /** The fixture's folder under the fixtures root (the vendor/source it belongs to). */
  folder: string;
  file: string;
  fixture: VendorFixture;
}

/** What replaying one fixture did: the HTTP answer (none for EventBridge) and what was enqueued. */
export interface ReplayOutcome {
  status?: number;
  headers?: Record<string, string | number | boolean>;
  body?: string;
  enqueued: readonly DeprovisionRequest[];
}

/** Replays the fixtures of one folder through the real handler for that source. */
export interface VendorDriver {
  replay(fixture: VendorFixture): Promise<ReplayOutcome>;
}

const REPO_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

/** `../shared/fixtures` beside the repository root (present in CI and on developer machines). */
export const FIXTURES_DIR = resolve(REPO_ROOT, '../shared/fixtures');

/**
 * Every `<folder>/*.json` under the fixtures root, sorted.
 * @throws Error when the fixtures folder is missing or holds no fixture.
 */
export function loadVendorFixtures(root = FIXTURES_DIR): LoadedFixture[] {
  if (!existsSync(root) || !statSync(root).isDirectory()) {
    throw new Error(
      `Vendor fixtures not found at ${root} (expected ../shared/fixtures beside the repository root)`,
    );
  }
  const loaded: LoadedFixture[] = [];
  for (const folder of readdirSync(root).sort()) {
    const dir = join(root, folder);
    if (!statSync(dir).isDirectory()) continue;
    for (const file of readdirSync(dir).sort()) {
      if (!file.endsWith('.json')) continue;
      const path = join(dir, file);
      let fixture: VendorFixture;
      try {
        fixture = JSON.parse(readFileSync(path, 'utf8')) as VendorFixture;
      } catch (error) {
        throw new Error(`Vendor fixture ${path} is not valid JSON`, { cause: error });
      }
      loaded.push({ folder, file: path, fixture });
    }
  }
  if (loaded.length === 0) throw new Error(`No vendor fixtures (*/*.json) under ${root}`);
  return loaded;
}

/** The documentation values the fixtures use (fixtures README), plus a signing secret. */
export const HARNESS_SECRETS = {
  oktaAuthorization: 'Basic YWRtaW46c3VwZXJzZWNyZXQ=',
  scimBearerToken: 'h480djs93hd8',
  graphClientState: 'secretClientValue',
  webhookSigningSecret: `whsec_${Buffer.from('vendor-replay-signing-key').toString('base64')}`,
} satisfies Required<WebhookSecrets>;

const HARNESS_SECRET_ID = 'vendor-replay-webhook-secret';

/**
 * Ingest dependencies with the harness secrets (plus `extraSecrets` by id), a fresh in-memory
 * queue and the configuration defaults (so a new config key with a default needs no change here).
 */
export function harnessIngestDeps(extraSecrets: Record<string, string> = {}): {
  deps: IngestDeps;
  queue: InMemoryWorkQueue;
} {
  const queue = new InMemoryWorkQueue();
  const deps: IngestDeps = {
    identityStore: new InMemoryIdentityStore(),
    config: loadIngestConfig({
      WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/000000000000/vendor-replay',
      WEBHOOK_SECRET_ARN: HARNESS_SECRET_ID,
      // Named for completeness; the drivers pass an in-memory identity store instead.
      IDENTITY_TABLE_NAME: 'vendor-replay-identity',
    }),
    queue,
    secretSource: new StaticSecretSource({
      ...extraSecrets,
      [HARNESS_SECRET_ID]: JSON.stringify(HARNESS_SECRETS),
    }),
    logger: silentLogger,
  };
  return { deps, queue };
}

/**
 * The API Gateway HTTP API (payload 2.0) event for a fixture's request: header names exactly as
 * given, `raw_query` as rawQueryString (else encoded from `query`), `query` as the decoded
 * parameters, an object body as JSON, a string body as its bytes, null as no body.
 */
export function fixtureToApiGatewayEvent(
  request: VendorFixture['request'],
): APIGatewayProxyEventV2 {
  if (request.path === null) throw new Error('HTTP fixture without a path');
  const query = request.query ?? {};
  const body =
    request.body === null || request.body === undefined
      ? undefined
      : typeof request.body === 'string'
        ? request.body
        : JSON.stringify(request.body);
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: request.path,
    rawQueryString: request.raw_query ?? new URLSearchParams(query).toString(),
    headers: { ...request.headers },
    ...(Object.keys(query).length > 0 ? { queryStringParameters: { ...query } } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'vendor-replay',
      domainName: 'vendor-replay.local',
      domainPrefix: 'vendor-replay',
      http: {
        method: request.method,
        path: request.path,
        protocol: 'HTTP/1.1',
        sourceIp: '192.0.2.10',
        userAgent:
          Object.entries(request.headers).find(([k]) => k.toLowerCase() === 'user-agent')?.[1] ??
          'vendor-replay',
      },
      requestId: 'vendor-replay-request',
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body !== undefined ? { body } : {}),
    isBase64Encoded: false,
  };
}

type ApiGatewayHandler = (
  event: APIGatewayProxyEventV2,
  context: typeof lambdaContext,
) => Promise<HttpResponse>;

/** Sends a fixture's request through an API Gateway handler and collects what it enqueued. */
export async function replayHttp(
  handler: ApiGatewayHandler,
  queue: InMemoryWorkQueue,
  fixture: VendorFixture,
): Promise<ReplayOutcome> {
  const response = await handler(fixtureToApiGatewayEvent(fixture.request), lambdaContext);
  return {
    status: response.statusCode,
    headers: response.headers ?? {},
    body: response.body ?? '',
    enqueued: [...queue.sent],
  };
}

/** Fixture subject keys → `DeprovisionRequest.subject` fields. */
export const SUBJECT_KEY_MAP: Readonly<Record<string, keyof DeprovisionRequest['subject']>> = {
  okta_user_id: 'idpUserId',
  login: 'login',
  scim_id: 'idpUserId',
  userName: 'login',
  entra_object_id: 'idpUserId',
};

/** An expected subject in the request's terms. @throws Error for an unknown fixture key. */
export function expectedSubject(expected: Record<string, string>): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [key, value] of Object.entries(expected)) {
    const field = SUBJECT_KEY_MAP[key];
    if (field === undefined) throw new Error(`Unknown expected_subjects key "${key}"`);
    out[field] = value;
  }
  return out;
}
