import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for the parts of Microsoft Graph and the Microsoft identity platform this
 * service uses, shaped after their documentation: the client-credentials token endpoint
 * (`POST /{tenant}/oauth2/v2.0/token`), `GET /v1.0/users/{id}` with `$select`, and
 * `/v1.0/subscriptions` (list, create, get, update, delete, reauthorize). Every Graph call needs a
 * bearer token the stand-in issued. Control endpoints under `/_standin/`.
 */

export interface StandinUser {
  id: string;
  accountEnabled: boolean;
  userPrincipalName: string;
  mail?: string | null;
  displayName?: string;
}

export interface StandinSubscription {
  id: string;
  resource: string;
  changeType: string;
  notificationUrl: string;
  lifecycleNotificationUrl: string | null;
  expirationDateTime: string;
  clientState: string | null;
  applicationId: string;
  creatorId: string;
  latestSupportedTlsVersion: string;
  includeResourceData: boolean;
}

export interface StandinCall {
  method: string;
  /** Path without the query string. */
  path: string;
  status: number;
}

export interface StandinFault {
  /** Which calls the fault applies to (default `users`). */
  target?: 'token' | 'users' | 'subscriptions' | 'any';
  /** Answer with this status and a Graph error body instead of the real answer. */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** How many matching calls it applies to (default 1). */
  count?: number;
}

export interface GraphStandinOptions {
  /** 0 (the default) picks a free port. */
  port?: number;
  host?: string;
  users?: StandinUser[];
  tenantId?: string;
  clientId?: string;
  clientSecret?: string;
  tokenLifetimeSeconds?: number;
  /** POST `?validationToken=` to the notification URLs on create, as Graph does (default false). */
  validateNotificationUrls?: boolean;
  now?: () => number;
}

export interface GraphStandinState {
  calls: StandinCall[];
  subscriptions: StandinSubscription[];
  users: StandinUser[];
  tokensIssued: number;
}

export interface GraphStandin {
  /** Graph base URL (`GRAPH_BASE_URL`), e.g. http://127.0.0.1:PORT/v1.0 */
  url: string;
  /** Token host (`GRAPH_LOGIN_URL`), e.g. http://127.0.0.1:PORT */
  loginUrl: string;
  port: number;
  tenantId: string;
  clientId: string;
  clientSecret: string;
  close(): Promise<void>;
  state(): GraphStandinState;
  setUsers(users: StandinUser[]): void;
  addFault(fault: StandinFault): void;
}

export const STANDIN_TENANT_ID = '84bd8158-6d4d-4958-8b9f-9d6445542f95';
export const STANDIN_CLIENT_ID = '4f3a9c1e-7b2d-4e8a-9c5f-1a2b3c4d5e6f';
export const STANDIN_CLIENT_SECRET = 'standin-client-secret';

/** Default users; the first matches the vendor fixture `users-updated-account-disabled`. */
export const DEFAULT_STANDIN_USERS: readonly StandinUser[] = [
  {
    id: 'c37b074d-fe9d-4e68-83ad-b4401d3be174',
    accountEnabled: false,
    userPrincipalName: 'BonnieK@contoso.com',
    mail: null,
    displayName: 'Bonnie Kearney',
  },
  {
    id: '87d349ed-44d7-43e1-9a83-5f2406dee5bd',
    accountEnabled: true,
    userPrincipalName: 'AdeleV@contoso.com',
    mail: 'AdeleV@contoso.com',
    displayName: 'Adele Vance',
  },
];

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

interface Reply {
  status: number;
  body?: unknown;
  headers?: Record<string, string>;
}

function graphError(status: number, code: string, message: string): Reply {
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

function aadError(status: number, error: string, description: string): Reply {
  return { status, body: { error, error_description: description, error_codes: [] } };
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks).toString('utf8');
}

/** Starts the Graph stand-in. */
export async function startGraphStandin(options: GraphStandinOptions = {}): Promise<GraphStandin> {
  const tenantId = options.tenantId ?? STANDIN_TENANT_ID;
  const clientId = options.clientId ?? STANDIN_CLIENT_ID;
  const clientSecret = options.clientSecret ?? STANDIN_CLIENT_SECRET;
  const now = options.now ?? Date.now;
  let users = new Map((options.users ?? DEFAULT_STANDIN_USERS).map((u) => [u.id, { ...u }]));
  const subscriptions = new Map<string, StandinSubscription>();
  const tokens = new Map<string, number>();
  const calls: StandinCall[] = [];
  const faults: (StandinFault & { remaining: number })[] = [];
  let tokensIssued = 0;

  const takeFault = (target: StandinFault['target']) => {
    const index = faults.findIndex(
      (f) => (f.target ?? 'users') === target || (f.target ?? 'users') === 'any',
    );
    const fault = faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) faults.splice(index, 1);
    return fault;
  };

  const dropExpired = () => {
    for (const [id, s] of subscriptions) {
      if (Date.parse(s.expirationDateTime) <= now()) subscriptions.delete(id);
    }
  };

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
    const fault = takeFault('token');
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
    tokens.set(accessToken, now() + lifetime * 1000);
    tokensIssued += 1;
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
    const expiresAt = tokens.get(match[1]);
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

  const getUser = (idOrUpn: string, query: URLSearchParams): Reply => {
    const key = decodeURIComponent(idOrUpn);
    const user =
      users.get(key) ??
      [...users.values()].find((u) => u.userPrincipalName.toLowerCase() === key.toLowerCase());
    if (!user) {
      return graphError(
        404,
        'Request_ResourceNotFound',
        `Resource '${key}' does not exist or one of its queried reference-property objects are not present.`,
      );
    }
    const select = query.get('$select');
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
    const body: Record<string, unknown> = {
      '@odata.context': `https://graph.microsoft.com/v1.0/$metadata#users(${select ?? ''})/$entity`,
    };
    for (const name of wanted) {
      const property = Object.keys(full).find((k) => k.toLowerCase() === name.toLowerCase());
      if (property !== undefined) body[property] = full[property];
    }
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
    subscriptions.set(subscription.id, subscription);
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
    const userMatch = /^\/v1\.0\/users\/([^/]+)$/i.exec(path);
    if (userMatch?.[1]) {
      if (method !== 'GET') return graphError(405, 'Request_BadRequest', 'Method not allowed.');
      return getUser(userMatch[1], query);
    }
    dropExpired();
    if (path === '/v1.0/subscriptions') {
      if (method === 'GET') {
        return {
          status: 200,
          body: {
            '@odata.context': 'https://graph.microsoft.com/v1.0/$metadata#subscriptions',
            value: [...subscriptions.values()].map(publicView),
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
      const subscription = subscriptions.get(decodeURIComponent(subMatch[1]));
      if (!subscription) return graphError(404, 'ResourceNotFound', 'The object was not found.');
      if (subMatch[2]) {
        return method === 'POST'
          ? { status: 204 }
          : graphError(405, 'BadRequest', 'Method not allowed.');
      }
      if (method === 'GET') return { status: 200, body: publicView(subscription) };
      if (method === 'DELETE') {
        subscriptions.delete(subscription.id);
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

  const state = (): GraphStandinState => ({
    calls: calls.map((c) => ({ ...c })),
    subscriptions: [...subscriptions.values()].map((s) => ({ ...s })),
    users: [...users.values()].map((u) => ({ ...u })),
    tokensIssued,
  });

  const control = async (req: IncomingMessage, path: string): Promise<Reply> => {
    if (path === '/_standin/state' && req.method === 'GET') return { status: 200, body: state() };
    if (path === '/_standin/users' && req.method === 'PUT') {
      const list = JSON.parse(await readBody(req)) as StandinUser[];
      users = new Map(list.map((u) => [u.id, { ...u }]));
      return { status: 204 };
    }
    if (path === '/_standin/faults' && req.method === 'POST') {
      const fault = JSON.parse(await readBody(req)) as StandinFault;
      faults.push({ ...fault, remaining: fault.count ?? 1 });
      return { status: 204 };
    }
    return { status: 404, body: { message: 'unknown control endpoint' } };
  };

  const route = async (req: IncomingMessage): Promise<Reply> => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const path = url.pathname;
    if (path.startsWith('/_standin/')) return control(req, path);
    const tokenMatch = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (tokenMatch?.[1]) {
      return req.method === 'POST'
        ? token(req, tokenMatch[1])
        : aadError(405, 'invalid_request', 'Use POST.');
    }
    if (path.startsWith('/v1.0/')) {
      const fault = takeFault(path.startsWith('/v1.0/users') ? 'users' : 'subscriptions');
      if (fault?.delayMs) await new Promise((r) => setTimeout(r, fault.delayMs));
      if (fault?.status) return graphError(fault.status, 'ServiceUnavailable', 'Injected fault.');
      return graph(req, path, url.searchParams);
    }
    return graphError(404, 'NotFound', 'Unknown path.');
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const path = new URL(req.url ?? '/', 'http://standin').pathname;
    route(req)
      .catch(() => graphError(400, 'BadRequest', 'Malformed request.'))
      .then((reply) => {
        if (!path.startsWith('/_standin/')) {
          calls.push({ method: req.method ?? 'GET', path, status: reply.status });
        }
        if (res.destroyed) return;
        const body = reply.body === undefined ? '' : JSON.stringify(reply.body);
        res.writeHead(reply.status, {
          ...(reply.body === undefined ? {} : { 'content-type': 'application/json' }),
          ...reply.headers,
        });
        res.end(body);
      });
  });

  await new Promise<void>((resolve) =>
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', resolve),
  );
  const port = (server.address() as AddressInfo).port;
  const loginUrl = `http://${options.host ?? '127.0.0.1'}:${port}`;
  return {
    url: `${loginUrl}/v1.0`,
    loginUrl,
    port,
    tenantId,
    clientId,
    clientSecret,
    close: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections();
        server.close((error) => (error ? reject(error) : resolve()));
      }),
    state,
    setUsers: (list) => {
      users = new Map(list.map((u) => [u.id, { ...u }]));
    },
    addFault: (fault) => {
      faults.push({ ...fault, remaining: fault.count ?? 1 });
    },
  };
}
