import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import {
  exchange,
  HttpTransport,
  parseRetryAfter,
  Semaphore,
} from '#core/adapters/http/transport.ts';
import { TransientError } from '#core/domain/errors.ts';

const servers: Server[] = [];
const transports: HttpTransport[] = [];

afterEach(async () => {
  for (const t of transports.splice(0)) await t.close();
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((r) => s.close(r));
  }
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse) => void) {
  const stats = { connections: 0, inFlight: 0, maxInFlight: 0 };
  const server = createServer((req, res) => {
    stats.inFlight += 1;
    stats.maxInFlight = Math.max(stats.maxInFlight, stats.inFlight);
    res.on('close', () => {
      stats.inFlight -= 1;
    });
    handler(req, res);
  });
  server.on('connection', () => {
    stats.connections += 1;
  });
  servers.push(server);
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { origin, stats };
}

function transport(options: ConstructorParameters<typeof HttpTransport>[0] = {}) {
  const t = new HttpTransport(options);
  transports.push(t);
  return t;
}

const get = (origin: string) => ({ origin, path: '/x?q=1', method: 'GET' });

describe('HttpTransport', () => {
  it('sends method, path, query, headers and body, and reads status, headers and text', async () => {
    const { origin } = await serve((req, res) => {
      let body = '';
      req.on('data', (c) => {
        body += c;
      });
      req.on('end', () => {
        res.writeHead(201, { 'x-echo': req.headers['x-test'] as string });
        res.end(JSON.stringify({ method: req.method, url: req.url, body }));
      });
    });
    const res = await exchange(
      transport(),
      'test',
      { origin, path: '/a/b?c=d', method: 'POST', headers: { 'x-test': 'yes' }, body: 'hé' },
      { timeoutMs: 2000 },
    );
    expect(res.status).toBe(201);
    expect(res.headers['x-echo']).toBe('yes');
    expect(JSON.parse(res.text)).toEqual({ method: 'POST', url: '/a/b?c=d', body: 'hé' });
  });

  it('keeps connections alive: 20 sequential requests use one connection', async () => {
    const { origin, stats } = await serve((_req, res) => res.end('ok'));
    const t = transport();
    for (let i = 0; i < 20; i += 1) {
      expect((await exchange(t, 'test', get(origin), { timeoutMs: 2000 })).text).toBe('ok');
    }
    expect(stats.connections).toBe(1);
  });

  it('caps connections per origin: 12 concurrent requests, at most 3 at the server', async () => {
    const { origin, stats } = await serve((_req, res) => setTimeout(() => res.end('ok'), 20));
    const t = transport({ connections: 3 });
    const all = await Promise.all(
      Array.from({ length: 12 }, () => exchange(t, 'test', get(origin), { timeoutMs: 5000 })),
    );
    expect(all.map((r) => r.status)).toEqual(Array(12).fill(200));
    expect(stats.maxInFlight).toBe(3);
    expect(stats.connections).toBe(3);
  });

  it('times out a server that sends no headers (HEADERS_TIMEOUT → TransientError)', async () => {
    const { origin } = await serve(() => {});
    const t = transport({ timeoutMs: 5000 });
    const started = Date.now();
    const error = await t.request({ ...get(origin), headersTimeout: 100 }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'HEADERS_TIMEOUT' });
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('times out a stalled body (BODY_TIMEOUT) and an overall deadline (TIMEOUT)', async () => {
    const { origin } = await serve((_req, res) => {
      res.writeHead(200);
      res.write('partial');
    });
    const t = transport();
    const stalled = await t.request({ ...get(origin), bodyTimeout: 100 });
    const error = await (async () => {
      for await (const _ of stalled.body) {
        // reading until the stall
      }
    })().then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(error).toMatchObject({ code: 'BODY_TIMEOUT' });

    await expect(exchange(t, 'Slow API', get(origin), { timeoutMs: 150 })).rejects.toMatchObject({
      name: 'TransientError',
      errorCode: 'TIMEOUT',
      message: 'Slow API failed before a response arrived (TIMEOUT)',
    });
  });

  it('caps the body it reads (BODY_TOO_LARGE)', async () => {
    const { origin } = await serve((_req, res) => res.end('x'.repeat(5000)));
    await expect(
      exchange(transport(), 'test', get(origin), { timeoutMs: 2000, maxBytes: 1000 }),
    ).rejects.toMatchObject({ name: 'TransientError', errorCode: 'BODY_TOO_LARGE' });
  });

  it('translates a refused connection into a TransientError naming the code', async () => {
    const { origin } = await serve(() => {});
    const [server] = servers.splice(0);
    await new Promise((r) => server!.close(r));
    const error = await exchange(transport(), 'Zoho', get(origin), { timeoutMs: 2000 }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(TransientError);
    expect(error).toMatchObject({ errorCode: 'ECONNREFUSED', retryable: true });
  });

  it('rejects at once when the signal is already aborted', async () => {
    const { origin } = await serve((_req, res) => res.end('ok'));
    const controller = new AbortController();
    controller.abort();
    await expect(
      transport().request({ ...get(origin), signal: controller.signal }),
    ).rejects.toMatchObject({ code: 'ABORTED' });
  });
});

describe('parseRetryAfter', () => {
  const clock = { now: () => new Date('2026-12-04T10:00:00.000Z') };
  it.each([
    ['120', 120_000],
    ['1.5', 1500],
    [['7', '9'], 7000],
    ['Fri, 04 Dec 2026 10:00:30 GMT', 30_000],
    ['Fri, 04 Dec 2026 09:00:00 GMT', 0],
    ['soon', undefined],
    ['', undefined],
    [undefined, undefined],
  ])('%j → %j ms', (value, expected) => {
    expect(parseRetryAfter(value, clock)).toBe(expected);
  });
});

describe('Semaphore', () => {
  it('runs at most `limit` tasks at once and starts waiters in order', async () => {
    const semaphore = new Semaphore(3);
    let running = 0;
    let peak = 0;
    const started: number[] = [];
    await Promise.all(
      Array.from({ length: 2000 }, (_, i) =>
        semaphore.run(async () => {
          started.push(i);
          running += 1;
          peak = Math.max(peak, running);
          await new Promise((r) => setImmediate(r));
          running -= 1;
        }),
      ),
    );
    expect(peak).toBe(3);
    expect(started).toEqual(Array.from({ length: 2000 }, (_, i) => i));
    expect(semaphore.inFlight).toBe(0);
  });

  it('frees the slot when a task throws', async () => {
    const semaphore = new Semaphore(1);
    await expect(semaphore.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    await expect(semaphore.run(async () => 'next')).resolves.toBe('next');
  });
});
