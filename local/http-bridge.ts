import { randomUUID } from 'node:crypto';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { APIGatewayProxyEventV2, APIGatewayProxyResultV2, Context } from 'aws-lambda';
import { localLambdaContext } from './lambda-context.ts';

/** API Gateway's own payload limit; the handler enforces the (smaller) webhook limit itself. */
const MAX_REQUEST_BYTES = 10 * 1024 * 1024;

export type ApiHandler = (
  event: APIGatewayProxyEventV2,
  context: Context,
) => Promise<APIGatewayProxyResultV2>;

/** Builds the API Gateway HTTP API (payload 2.0) event for a Node request, as API Gateway would. */
export function toApiGatewayEvent(req: IncomingMessage, body: Buffer): APIGatewayProxyEventV2 {
  const url = new URL(req.url ?? '/', 'http://localhost');
  const headers: Record<string, string> = {};
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined)
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(',') : value;
  }
  const query: Record<string, string> = {};
  for (const [name, value] of url.searchParams)
    query[name] = query[name] ? `${query[name]},${value}` : value;
  const method = (req.method ?? 'GET').toUpperCase();
  return {
    version: '2.0',
    routeKey: '$default',
    rawPath: url.pathname,
    rawQueryString: url.search.replace(/^\?/, ''),
    headers,
    ...(Object.keys(query).length > 0 ? { queryStringParameters: query } : {}),
    requestContext: {
      accountId: '000000000000',
      apiId: 'local',
      domainName: headers.host ?? 'localhost',
      domainPrefix: 'local',
      http: {
        method,
        path: url.pathname,
        protocol: `HTTP/${req.httpVersion}`,
        sourceIp: req.socket.remoteAddress ?? '127.0.0.1',
        userAgent: headers['user-agent'] ?? '',
      },
      requestId: randomUUID(),
      routeKey: '$default',
      stage: '$default',
      time: new Date().toUTCString(),
      timeEpoch: Date.now(),
    },
    ...(body.byteLength > 0 ? { body: body.toString('base64') } : {}),
    isBase64Encoded: body.byteLength > 0,
  };
}

async function readBody(req: IncomingMessage): Promise<Buffer | undefined> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req) {
    size += (chunk as Buffer).byteLength;
    if (size > MAX_REQUEST_BYTES) return undefined;
    chunks.push(chunk as Buffer);
  }
  return Buffer.concat(chunks);
}

function send(
  res: ServerResponse,
  status: number,
  headers: Record<string, string>,
  body: string,
): void {
  res.writeHead(status, headers);
  res.end(body);
}

/**
 * The local API Gateway: every request becomes a payload-2.0 event for `handler`; `extra` answers
 * paths of the runner itself (such as /healthz) first.
 */
export type OwnRoute = (
  req: IncomingMessage,
  body: () => Promise<Buffer>,
) => Promise<{ status: number; body: unknown } | undefined>;

export function createHttpBridge(handler: ApiHandler, extra: OwnRoute): Server {
  return createServer(async (req, res) => {
    try {
      let read: Promise<Buffer | undefined> | undefined;
      const readOnce = () => {
        read ??= readBody(req);
        return read;
      };
      const own = await extra(req, async () => (await readOnce()) ?? Buffer.alloc(0));
      if (own) {
        send(res, own.status, { 'content-type': 'application/json' }, JSON.stringify(own.body));
        return;
      }
      const body = await readOnce();
      if (body === undefined) {
        send(
          res,
          413,
          { 'content-type': 'application/json' },
          '{"message":"Request Entity Too Large"}',
        );
        return;
      }
      const result = await handler(
        toApiGatewayEvent(req, body),
        localLambdaContext('local-ingest', 10_000),
      );
      if (typeof result === 'string') {
        send(res, 200, { 'content-type': 'application/json' }, result);
        return;
      }
      const headers: Record<string, string> = {};
      for (const [k, v] of Object.entries(result.headers ?? {})) headers[k] = String(v);
      const payload = result.isBase64Encoded
        ? Buffer.from(result.body ?? '', 'base64').toString()
        : (result.body ?? '');
      send(res, result.statusCode ?? 200, headers, payload);
    } catch {
      send(res, 500, { 'content-type': 'application/json' }, '{"message":"Internal error"}');
    }
  });
}
