import { randomUUID } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { StandinFaultQueue } from './faults.ts';
import type { GraphStandinStore, StandinSubscription, StandinUser } from './store.ts';

/**
 * The Graph and identity-platform API of the stand-in, shaped after Microsoft's documentation:
 * the client-credentials token endpoint (`POST /{tenant}/oauth2/v2.0/token`),
 * `GET /v1.0/users/{id}` with `$select`, `GET /v1.0/users/delta` (learn.microsoft.com/graph/
 * delta-query-users: pages linked by `@odata.nextLink`, the last one carrying `@odata.deltaLink`;
 * a round from a delta link returns the users changed since, removed ones as `{id, "@removed":
 * {reason}}`; an unknown or malformed token answers 410 Gone, Graph's "start over"), and
 * `/v1.0/subscriptions` (list, create, get, update, delete, reauthorize). Every Graph call needs a
 * bearer token the stand-in issued.
 */

/** Longest allowed subscription on users/groups (minutes). */
const USERS_MAX_MINUTES = 41_760;
const MAX_BODY_BYTES = 1024 * 1024;
const DEFAULT_USER_PROPERTIES = [
  'businessPhones',
  'displayName',
  'givenName',
  'jobTitle',
  'mail',
  'mobilePhone',
  'officeLocation',
  'preferredLanguage',
  'surname',
  'userPrincipalName',
  'id',
];

export interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

export function graphError(status: number, code: string, message: string): Reply {
  return {
    status,
    body: {
      error: {
        code,
        message,
        innerError: { date: new Date().toISOString(), 'request-id': randomUUID() },
      },
    },
  };
}

export function aadError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description, error_codes: [] } };
}

export async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

export interface GraphApiOptions {
  store: GraphStandinStore;
  faults: StandinFaultQueue;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  tokenLifetimeSeconds?: number;
  /** POST `?validationToken=` to the notification URLs on create, as Graph does. */
  validateNotificationUrls?: boolean;
  /** Users per delta page (default 2, so that paging is always exercised). */
  deltaPageSize?: number;
}

/** The stand-in's state tokens: where a round is (opaque to clients, like Graph's). */
interface DeltaToken {
  /** Changes after this sequence number (`0` and `initial`: every current user). */
  since: number;
  /** The round's end: the sequence number when it started. */
  until: number;
  initial: boolean;
  offset: number;
}

function encodeToken(token: DeltaToken): string {
  return Buffer.from(JSON.stringify(token)).toString('base64url');
}

function decodeToken(value: string): DeltaToken | undefined {
  try {
    const t = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as DeltaToken;
    return Number.isInteger(t.since) && Number.isInteger(t.until) && Number.isInteger(t.offset)
      ? t
      : undefined;
  } catch {
    return undefined;
  }
}

/** The token endpoint and the Graph routes, over the stand-in's store. */
export function createGraphApi(options: GraphApiOptions) {
  const { store, faults, tenantId, clientId, clientSecret } = options;
  const now = store.now;

  const checkExpiry = (value: unknown): Reply | string => {
    const at = typeof value === 'string' ? Date.parse(value) : Number.NaN;
    if (Number.isNaN(at)) {
      return graphError(
        400,
        'InvalidRequest',
        'expirationDateTime is required and must be a date.',
      );
    }
    if (at <= now()) {
      return graphError(400, 'InvalidRequest', 'Subscription expiration must be in the future.');
    }
    if (at > now() + USERS_MAX_MINUTES * 60_000) {
      return graphError(
        400,
        'InvalidRequest',
        `Subscription expiration can only be ${USERS_MAX_MINUTES} minutes in the future.`,
      );
    }
    return new Date(at).toISOString();
  };

  const validateUrl = async (url: string): Promise<boolean> => {
    const token = `Validation: Testing client application reachability for subscription Request-Id: ${randomUUID()}`;
    const target = new URL(url);
    target.searchParams.set('validationToken', token);
    try {
      const res = await fetch(target, {
        method: 'POST',
        headers: { 'content-type': 'text/plain; charset=utf-8' },
        body: '',
        signal: AbortSignal.timeout(10_000),
      });
      const text = await res.text();
      return (
        res.status === 200 &&
        (res.headers.get('content-type') ?? '').startsWith('text/plain') &&
        text === token
      );
    } catch {
      return false;
    }
  };

  const token = async (req: IncomingMessage, tenant: string): Promise<Reply> => {
    const fault = faults.take('token');
    if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
    if (fault?.status) return aadError(fault.status, 'temporarily_unavailable', 'Injected fault.');
    const form = new URLSearchParams(await readBody(req));
    if (decodeURIComponent(tenant) !== tenantId) {
      return aadError(400, 'invalid_request', `AADSTS90002: Tenant '${tenant}' not found.`);
    }
    if (form.get('grant_type') !== 'client_credentials') {
      return aadError(
        400,
        'unsupported_grant_type',
        'AADSTS70003: The app requested an unsupported grant type.',
      );
    }
    if (form.get('client_id') !== clientId) {
      return aadError(
        400,
        'unauthorized_client',
        'AADSTS700016: Application not found in the directory.',
      );
    }
    if (form.get('client_secret') !== clientSecret) {
      return aadError(401, 'invalid_client', 'AADSTS7000215: Invalid client secret provided.');
    }
    if (!(form.get('scope') ?? '').endsWith('/.default')) {
      return aadError(
        400,
        'invalid_scope',
        'AADSTS1002012: The provided value for scope is not valid.',
      );
    }
    const lifetime = options.tokenLifetimeSeconds ?? 3599;
    const accessToken = `standin.${randomUUID()}`;
    store.issueToken(accessToken, lifetime);
    return {
      status: 200,
      body: {
        token_type: 'Bearer',
        expires_in: lifetime,
        ext_expires_in: lifetime,
        access_token: accessToken,
      },
    };
  };

  const authorised = (req: IncomingMessage): Reply | undefined => {
    const header = req.headers.authorization ?? '';
    const match = /^Bearer (.+)$/.exec(header);
    if (!match?.[1]) return graphError(401, 'InvalidAuthenticationToken', 'Access token is empty.');
    const expiresAt = store.tokens.get(match[1]);
    if (expiresAt === undefined) {
      return graphError(401, 'InvalidAuthenticationToken', 'Access token validation failure.');
    }
    if (expiresAt <= now()) {
      return graphError(
        401,
        'InvalidAuthenticationToken',
        'Lifetime validation failed, the token is expired.',
      );
    }
    return undefined;
  };

  const selectView = (user: StandinUser, select: string | null): Record<string, unknown> => {
    const wanted = select
      ? select
          .split(',')
          .map((p) => p.trim())
          .filter(Boolean)
      : DEFAULT_USER_PROPERTIES;
    const full: Record<string, unknown> = {
      businessPhones: [],
      givenName: null,
      jobTitle: null,
      mobilePhone: null,
      officeLocation: null,
      preferredLanguage: null,
      surname: null,
      ...user,
      displayName: user.displayName ?? null,
      mail: user.mail ?? null,
    };
    const body: Record<string, unknown> = {};
    for (const name of wanted) {
      const property = Object.keys(full).find((k) => k.toLowerCase() === name.toLowerCase());
      if (property !== undefined) body[property] = full[property];
    }
    return body;
  };

  const pageSize = Math.max(1, options.deltaPageSize ?? 2);

  /** `GET /users/delta`: a round's pages, then a delta link for the next round. */
  const usersDelta = (req: IncomingMessage, query: URLSearchParams): Reply => {
    const base = `http://${req.headers.host ?? '127.0.0.1'}/v1.0/users/delta`;
    const select = query.get('$select');
    const raw = query.get('$skiptoken') ?? query.get('$deltatoken');
    let token: DeltaToken;
    if (raw === null) {
      token = { since: 0, until: store.lastSeq, initial: true, offset: 0 };
    } else {
      const decoded = decodeToken(raw);
      if (!decoded || decoded.until > store.lastSeq) {
        return graphError(410, 'SyncStateNotFound', 'The sync state token is not valid.');
      }
      // A delta link starts a new round: everything changed since its `until`.
      token = query.has('$deltatoken')
        ? { since: decoded.until, until: store.lastSeq, initial: false, offset: 0 }
        : decoded;
    }
    let rows: Array<Record<string, unknown>>;
    if (token.initial) {
      rows = [...store.users.values()].map((u) => ({ id: u.id, ...selectView(u, select) }));
    } else {
      // The latest change of each user within (since, until], in change order.
      const latest = new Map<string, (typeof store.changes)[number]>();
      for (const c of store.changes) {
        if (c.seq > token.since && c.seq <= token.until) {
          latest.delete(c.userId);
          latest.set(c.userId, c);
        }
      }
      rows = [...latest.values()].map((c) => {
        const user = store.users.get(c.userId);
        return user && !c.removed
          ? { id: user.id, ...selectView(user, select) }
          : { id: c.userId, '@removed': { reason: c.removed ?? 'changed' } };
      });
    }
    const page = rows.slice(token.offset, token.offset + pageSize);
    const more = token.offset + pageSize < rows.length;
    const keep = select ? `$select=${encodeURIComponent(select)}&` : '';
    return {
      status: 200,
      body: {
        '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users(${select ?? ''})`,
        ...(more
          ? {
              '@odata.nextLink': `${base}?${keep}$skiptoken=${encodeToken({ ...token, offset: token.offset + pageSize })}`,
            }
          : {
              '@odata.deltaLink': `${base}?${keep}$deltatoken=${encodeToken({ since: token.since, until: token.until, initial: false, offset: 0 })}`,
            }),
        value: page,
      },
    };
  };

  const getUser = (idOrUpn: string, query: URLSearchParams): Reply => {
    const key = decodeURIComponent(idOrUpn);
    const user = store.findUser(key);
    if (!user) {
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    const select = query.get('$select');
    const body: Record<string, unknown> = {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users(${select ?? ''})/$entity`,
      ...selectView(user, select),
    };
    return { status: 200, body };
  };

  const publicView = (s: StandinSubscription) => ({ ...s, clientState: null });

  const createSubscription = async (input: Record<string, unknown>): Promise<Reply> => {
    const { changeType, notificationUrl, resource } = input;
    const lifecycleNotificationUrl = input.lifecycleNotificationUrl ?? null;
    if (
      typeof changeType !== 'string' ||
      changeType.split(',').some((c) => !['created', 'updated', 'deleted'].includes(c.trim()))
    ) {
      return graphError(
        400,
        'InvalidRequest',
        'changeType must be created, updated and/or deleted.',
      );
    }
    if (typeof notificationUrl !== 'string' || !URL.canParse(notificationUrl)) {
      return graphError(400, 'InvalidRequest', 'notificationUrl is required and must be a URL.');
    }
    if (
      lifecycleNotificationUrl !== null &&
      (typeof lifecycleNotificationUrl !== 'string' || !URL.canParse(lifecycleNotificationUrl))
    ) {
      return graphError(400, 'InvalidRequest', 'lifecycleNotificationUrl must be a URL.');
    }
    if (typeof resource !== 'string' || resource.trim() === '') {
      return graphError(400, 'InvalidRequest', 'resource is required.');
    }
    if (
      input.clientState !== undefined &&
      (typeof input.clientState !== 'string' || input.clientState.length > 128)
    ) {
      return graphError(
        400,
        'InvalidRequest',
        'clientState must be a string of at most 128 characters.',
      );
    }
    const expiry = checkExpiry(input.expirationDateTime);
    if (typeof expiry !== 'string') return expiry;
    if (options.validateNotificationUrls) {
      const urls = new Set([
        notificationUrl,
        ...(lifecycleNotificationUrl ? [lifecycleNotificationUrl as string] : []),
      ]);
      for (const url of urls) {
        if (!(await validateUrl(url))) {
          return graphError(
            400,
            'InvalidRequest',
            'Subscription validation request failed. Response must exactly match validationToken query parameter.',
          );
        }
      }
    }
    const subscription: StandinSubscription = {
      id: randomUUID(),
      resource,
      changeType,
      notificationUrl,
      lifecycleNotificationUrl: lifecycleNotificationUrl as string | null,
      expirationDateTime: expiry,
      clientState: typeof input.clientState === 'string' ? input.clientState : null,
      applicationId: clientId,
      creatorId: clientId,
      latestSupportedTlsVersion: 'v1_2',
      includeResourceData: false,
    };
    store.subscriptions.set(subscription.id, subscription);
    return {
      status: 201,
      body: {
        '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions/$entity',
        ...subscription,
      },
    };
  };

  const graph = async (
    req: IncomingMessage,
    path: string,
    query: URLSearchParams,
  ): Promise<Reply> => {
    const denied = authorised(req);
    if (denied) return denied;
    const method = req.method ?? 'GET';
    if (/^\/v1\.0\/users\/delta$/i.test(path)) {
      if (method !== 'GET') return graphError(405, 'Request_BadRequest', 'Method not allowed.');
      return usersDelta(req, query);
    }
    const userMatch = /^\/v1\.0\/users\/([^/]+)$/i.exec(path);
    if (userMatch?.[1]) {
      if (method !== 'GET') return graphError(405, 'Request_BadRequest', 'Method not allowed.');
      return getUser(userMatch[1], query);
    }
    store.dropExpired();
    if (path === '/v1.0/subscriptions') {
      if (method === 'GET') {
        return {
          status: 200,
          body: {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions',
            value: [...store.subscriptions.values()].map(publicView),
          },
        };
      }
      if (method === 'POST') {
        let input: unknown;
        try {
          input = JSON.parse(await readBody(req));
        } catch {
          return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
        }
        if (typeof input !== 'object' || input === null) {
          return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
        }
        return createSubscription(input as Record<string, unknown>);
      }
      return graphError(405, 'BadRequest', 'Method not allowed.');
    }
    const subMatch = /^\/v1\.0\/subscriptions\/([^/]+)(\/reauthorize)?$/.exec(path);
    if (subMatch?.[1]) {
      const subscription = store.subscriptions.get(decodeURIComponent(subMatch[1]));
      if (!subscription) return graphError(404, 'ResourceNotFound', 'The object was not found.');
      if (subMatch[2]) {
        return method === 'POST'
          ? { status: 204 }
          : graphError(405, 'BadRequest', 'Method not allowed.');
      }
      if (method === 'GET') return { status: 200, body: publicView(subscription) };
      if (method === 'DELETE') {
        store.subscriptions.delete(subscription.id);
        return { status: 204 };
      }
      if (method === 'PATCH') {
        let input: Record<string, unknown>;
        try {
          input = JSON.parse(await readBody(req)) as Record<string, unknown>;
        } catch {
          return graphError(400, 'BadRequest', 'Unable to read JSON request payload.');
        }
        const expiry = checkExpiry(input?.expirationDateTime);
        if (typeof expiry !== 'string') return expiry;
        subscription.expirationDateTime = expiry;
        if (typeof input.notificationUrl === 'string')
          subscription.notificationUrl = input.notificationUrl;
        return { status: 200, body: publicView(subscription) };
      }
      return graphError(405, 'BadRequest', 'Method not allowed.');
    }
    return graphError(400, 'BadRequest', `Resource not found for the segment '${path}'.`);
  };

  return { token, graph };
}
