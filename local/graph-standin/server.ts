import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { type StandinFault, StandinFaultQueue } from './faults.ts';
import { aadError, createGraphApi, graphError, type Reply, readBody } from './graph-api.ts';
import {
  DEFAULT_STANDIN_USERS,
  type GraphStandinState,
  GraphStandinStore,
  STANDIN_CLIENT_ID,
  STANDIN_CLIENT_SECRET,
  STANDIN_TENANT_ID,
  type StandinUser,
} from './store.ts';

/**
 * A local stand-in for the parts of Microsoft Graph and the Microsoft identity platform this
 * service uses (see graph-api.ts), over HTTP. Control endpoints under `/_standin/`: `GET state`,
 * `PUT users`, `PATCH users/{id}` (e.g. `{"accountEnabled":false}`), `DELETE users/{id}`
 * (`?permanent=true` for a permanent delete), `POST faults`. Every user change is recorded for the
 * delta query. Split like the Zoho sandbox: store, faults, API, server.
 */

export type { StandinFault } from './faults.ts';
export {
  DEFAULT_STANDIN_USERS,
  type GraphStandinState,
  STANDIN_CLIENT_ID,
  STANDIN_CLIENT_SECRET,
  STANDIN_TENANT_ID,
  type StandinCall,
  type StandinSubscription,
  type StandinUser,
} from './store.ts';

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
  /** Users per `/users/delta` page (default 2). */
  deltaPageSize?: number;
  now?: () => number;
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
  /** Changes one user (recorded for the delta query); false when there is none. */
  updateUser(id: string, patch: Partial<Omit<StandinUser, 'id'>>): boolean;
  /** Deletes one user, soft (`changed`) by default (recorded for the delta query). */
  deleteUser(id: string, reason?: 'changed' | 'deleted'): boolean;
  addFault(fault: StandinFault): void;
}

/** Starts the Graph stand-in. */
export async function startGraphStandin(options: GraphStandinOptions = {}): Promise<GraphStandin> {
  const tenantId = options.tenantId ?? STANDIN_TENANT_ID;
  const clientId = options.clientId ?? STANDIN_CLIENT_ID;
  const clientSecret = options.clientSecret ?? STANDIN_CLIENT_SECRET;
  const store = new GraphStandinStore(
    options.users ?? DEFAULT_STANDIN_USERS,
    options.now ?? Date.now,
  );
  const faults = new StandinFaultQueue();
  const { token, graph } = createGraphApi({
    store,
    faults,
    tenantId,
    clientId,
    clientSecret,
    ...(options.tokenLifetimeSeconds !== undefined
      ? { tokenLifetimeSeconds: options.tokenLifetimeSeconds }
      : {}),
    ...(options.validateNotificationUrls !== undefined
      ? { validateNotificationUrls: options.validateNotificationUrls }
      : {}),
    ...(options.deltaPageSize !== undefined ? { deltaPageSize: options.deltaPageSize } : {}),
  });

  const control = async (req: IncomingMessage, path: string, url: URL): Promise<Reply> => {
    const one = /^\/_standin\/users\/([^/]+)$/.exec(path);
    if (one?.[1] && (req.method === 'PATCH' || req.method === 'DELETE')) {
      const id = decodeURIComponent(one[1]);
      const found =
        req.method === 'PATCH'
          ? store.updateUser(id, JSON.parse(await readBody(req)) as Partial<StandinUser>)
          : store.deleteUser(
              id,
              url.searchParams.get('permanent') === 'true' ? 'deleted' : 'changed',
            );
      return found ? { status: 204 } : { status: 404, body: { message: 'no such user' } };
    }
    if (path === '/_standin/state' && req.method === 'GET') {
      return { status: 200, body: store.state() };
    }
    if (path === '/_standin/users' && req.method === 'PUT') {
      store.setUsers(JSON.parse(await readBody(req)) as StandinUser[]);
      return { status: 204 };
    }
    if (path === '/_standin/faults' && req.method === 'POST') {
      faults.add(JSON.parse(await readBody(req)) as StandinFault);
      return { status: 204 };
    }
    return { status: 404, body: { message: 'unknown control endpoint' } };
  };

  const route = async (req: IncomingMessage): Promise<Reply> => {
    const url = new URL(req.url ?? '/', 'http://standin');
    const path = url.pathname;
    if (path.startsWith('/_standin/')) return control(req, path, url);
    const tokenMatch = /^\/([^/]+)\/oauth2\/v2\.0\/token$/.exec(path);
    if (tokenMatch?.[1]) {
      return req.method === 'POST'
        ? token(req, tokenMatch[1])
        : aadError(405, 'invalid_request', 'Use POST.');
    }
    if (path.startsWith('/v1.0/')) {
      const fault = faults.take(path.startsWith('/v1.0/users') ? 'users' : 'subscriptions');
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
          store.calls.push({ method: req.method ?? 'GET', path, status: reply.status });
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

  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => {
      server.off('error', reject);
      resolve();
    });
  });
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
    state: () => store.state(),
    setUsers: (list) => store.setUsers(list),
    updateUser: (id, patch) => store.updateUser(id, patch),
    deleteUser: (id, reason) => store.deleteUser(id, reason),
    addFault: (fault) => faults.add(fault),
  };
}
