import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import {
  checkRequest,
  matchOperation,
  ORG_ID_PARAMETER,
  type RequestViolation,
  ZOHO_OPERATIONS,
  type ZohoOperationName,
} from '#core/contract/zoho-desk.ts';

/**
 * A strict stand-in of Zoho Desk's published API, written only from the contract module (not the
 * project's sandbox): every request is checked against the operation table (method, path, query
 * rules, body) and anything else is refused and recorded; every answer is validated against the
 * operation's response schema before it is sent. Empty lists answer `200 {"data": []}` (the
 * sandbox answers 204), so a client that only handles one of the two fails here.
 */

export interface StandinUser {
  id: string;
  helpCenterId: string;
  emailAddress: string;
  userType?: 'ENDUSER' | 'SUPPORTREP';
  status?: 'ACTIVE' | 'DISABLED' | 'DELETED';
  groupIds: string[];
}

export interface StandinGroup {
  id: string;
  helpCenterId: string;
  name: string;
}

export interface StandinCall {
  method: string;
  path: string;
  query: string;
  status: number;
  operation?: ZohoOperationName;
  /** Why the request is outside the spec (empty when it is inside). */
  violations: (RequestViolation | { fieldName: 'path'; errorType: 'unknown' })[];
}

export interface StandinOptions {
  orgId: string;
  helpCenters: string[];
  groups: StandinGroup[];
  users: StandinUser[];
  /** Serve the mission's two unpublished DELETE endpoints too. */
  unpublished: boolean;
}

const TOKEN = '1000.standin-access-token';

export async function startStrictStandin(options: StandinOptions) {
  const users = structuredClone(options.users);
  const groups = structuredClone(options.groups);
  const calls: StandinCall[] = [];
  const responseErrors: string[] = [];

  const json = (status: number, body?: unknown) => ({ status, body });
  const invalid = (violations: RequestViolation[]) =>
    json(422, {
      errorCode: 'INVALID_DATA',
      message: 'The data does not comply to the validation restrictions defined.',
      errors: violations,
    });
  const user = (id: string) => users.find((u) => u.id === id);
  const page = <T>(query: URLSearchParams, items: T[]) => {
    const from = Number(query.get('from') ?? 1);
    const limit = Number(query.get('limit') ?? 50);
    return items.slice(from - 1, from - 1 + limit);
  };

  const handlers: Partial<
    Record<
      ZohoOperationName,
      (
        p: Record<string, string>,
        q: URLSearchParams,
        body: unknown,
      ) => { status: number; body?: unknown }
    >
  > = {
    getUsers: (_p, q) => {
      const hc = q.get('helpCenterId') ?? options.helpCenters[0];
      const status = q.get('status') ?? 'ACTIVE';
      const needle = (q.get('searchBy') ?? '').toLowerCase();
      const rows = users.filter(
        (u) =>
          u.helpCenterId === hc &&
          (status === 'ALL' || (u.status ?? 'ACTIVE') === status) &&
          u.emailAddress.toLowerCase().includes(needle),
      );
      return json(200, {
        data: page(q, rows).map((u) => ({
          id: u.id,
          name: u.emailAddress.split('@')[0] ?? null,
          photoUrl: null,
          emailAddress: u.emailAddress,
          userType: u.userType ?? 'ENDUSER',
          status: u.status ?? 'ACTIVE',
        })),
      });
    },
    getUserGroups: (p, q) => {
      const u = user(p.userId ?? '');
      if (u === undefined) return invalid([{ fieldName: '/userId', errorType: 'invalid' }]);
      const hc = q.get('helpCenterId');
      const rows = groups.filter(
        (g) => u.groupIds.includes(g.id) && (hc === null || g.helpCenterId === hc),
      );
      return json(200, {
        data: page(q, rows).map((g) => ({
          id: g.id,
          name: g.name,
          addedTime: '2026-01-05T10:00:00.000Z',
          helpCenterId: g.helpCenterId,
          logoUrl: null,
          status: 'ACTIVE',
        })),
      });
    },
    deleteGroupsFromUsers: (p, q, body) => {
      const u = user(p.userId ?? '');
      if (u === undefined) return invalid([{ fieldName: '/userId', errorType: 'invalid' }]);
      const hc = q.get('helpCenterId');
      const ids = (body as { groupIds: string[] }).groupIds;
      return json(200, {
        results: ids.map((id) => {
          const g = groups.find((x) => x.id === id);
          if (
            g === undefined ||
            !u.groupIds.includes(id) ||
            (hc !== null && g.helpCenterId !== hc)
          ) {
            return {
              success: false,
              id,
              errors: { errorCode: 'INVALID_DATA', error: 'Not associated', httpCode: 422 },
            };
          }
          u.groupIds = u.groupIds.filter((x) => x !== id);
          return { success: true, id, errors: null };
        }),
      });
    },
    deleteHCGroupUsers: (p, _q, body) => {
      for (const id of (body as { userIds: string[] }).userIds) {
        const u = user(id);
        if (u) u.groupIds = u.groupIds.filter((g) => g !== p.groupId);
      }
      return json(204);
    },
    removeUserFromHelpCenterGroups: (p) => {
      const u = user(p.userId ?? '');
      if (u === undefined || u.helpCenterId !== p.helpCenterId) {
        return json(404, { errorCode: 'URL_NOT_FOUND', message: 'No such user.' });
      }
      u.groupIds = u.groupIds.filter(
        (id) => groups.find((g) => g.id === id)?.helpCenterId !== p.helpCenterId,
      );
      return json(204);
    },
    removeUsersFromHelpCenterGroup: (p, _q, body) => {
      for (const id of (body as { userIds: string[] }).userIds) {
        const u = user(id);
        if (u) u.groupIds = u.groupIds.filter((g) => g !== p.groupId);
      }
      return json(204);
    },
  };

  const respond = (
    req: IncomingMessage,
    url: URL,
    text: string,
  ): { status: number; body?: unknown; call: StandinCall } => {
    const method = req.method ?? 'GET';
    const call: StandinCall = {
      method,
      path: url.pathname,
      query: url.search,
      status: 0,
      violations: [],
    };
    if (method === 'POST' && url.pathname === '/oauth/v2/token') {
      return {
        status: 200,
        body: { access_token: TOKEN, expires_in: 3600, api_domain: '', token_type: 'Bearer' },
        call,
      };
    }
    const matched = matchOperation(method, url.pathname, {
      includeUnpublished: options.unpublished,
    });
    if (matched === undefined) {
      call.violations.push({ fieldName: 'path', errorType: 'unknown' });
      return { ...json(404, { errorCode: 'URL_NOT_FOUND', message: 'Not in the spec.' }), call };
    }
    call.operation = matched.name;
    if (req.headers.authorization !== `Zoho-oauthtoken ${TOKEN}`) {
      return { ...json(401, { errorCode: 'INVALID_OAUTH', message: 'Invalid token.' }), call };
    }
    const orgId = req.headers[ORG_ID_PARAMETER.header] ?? url.searchParams.get('orgId');
    if (orgId !== options.orgId) {
      return { ...json(400, { errorCode: 'OAUTH_ORG_MISMATCH', message: 'Other org.' }), call };
    }
    const violations = checkRequest(matched, url.searchParams, text);
    if (violations.length > 0) {
      call.violations.push(...violations);
      return { ...invalid(violations), call };
    }
    const handler = handlers[matched.name];
    if (handler === undefined) {
      call.violations.push({ fieldName: 'path', errorType: 'unknown' });
      return {
        ...json(501, { errorCode: 'INTERNAL_SERVER_ERROR', message: 'Not modelled.' }),
        call,
      };
    }
    const out = handler(
      matched.params,
      url.searchParams,
      text === '' ? undefined : JSON.parse(text),
    );
    const success = ZOHO_OPERATIONS[matched.name].success;
    if (out.status === success.status && success.body !== null) {
      const parsed = success.body.safeParse(out.body);
      if (!parsed.success) responseErrors.push(`${matched.name}: ${parsed.error.message}`);
    }
    return { ...out, call };
  };

  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const url = new URL(req.url ?? '/', 'http://standin.invalid');
      const out = respond(req, url, Buffer.concat(chunks).toString('utf8'));
      out.call.status = out.status;
      calls.push(out.call);
      if (out.body === undefined) {
        res.writeHead(out.status).end();
        return;
      }
      const payload = JSON.stringify(out.body);
      res.writeHead(out.status, { 'content-type': 'application/json' }).end(payload);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    calls,
    responseErrors,
    groupsOf: (id: string) => user(id)?.groupIds ?? [],
    close: () =>
      new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      }),
  };
}
