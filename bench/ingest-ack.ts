import { type ChildProcess, spawn } from 'node:child_process';
import { rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HttpTransport, readText } from '#core/adapters/http/transport.ts';
import { LOCAL_DEFAULT_SECRETS } from '../local/config.ts';
import { BENCH_DIR } from './bundles.ts';
import { fmtMs, fmtX, median, percentile, row } from './stats.ts';

const ROOT = join(import.meta.dirname, '..');
const AUTH = LOCAL_DEFAULT_SECRETS.OKTA_EVENT_HOOK_AUTHORIZATION;

/** What the bare server does: read the body, parse it, check the header, answer 200. */
const BARE_SERVER = `
const http = require('node:http');
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    try { JSON.parse(Buffer.concat(chunks).toString('utf8')); } catch { res.statusCode = 400; }
    if (req.headers.authorization !== ${JSON.stringify(AUTH)}) res.statusCode = 401;
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
});
server.listen(0, '127.0.0.1', () => console.log('Service http://127.0.0.1:' + server.address().port));
process.on('SIGINT', () => process.exit(0));
`;

let sequence = 0;

function oktaDelivery(events: number) {
  sequence += 1;
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventId: `ack-${process.pid}-${sequence}`,
    data: {
      events: Array.from({ length: events }, (_, i) => ({
        uuid: `ack-${process.pid}-${sequence}-${i}`,
        published: new Date().toISOString(),
        eventType: 'user.lifecycle.deactivate',
        outcome: { result: 'SUCCESS' },
        target: [
          {
            id: `00uack${sequence}x${i}`,
            type: 'User',
            alternateId: `ack${sequence}-${i}@nobody.example.com`,
          },
        ],
      })),
    },
  });
}

async function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv) {
  const child = spawn(command, args, {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c: Buffer) => {
    out += c.toString();
  });
  const started = performance.now();
  let url: string | undefined;
  while (!url && performance.now() - started < 60_000) {
    url = /Service\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    if (!url) await new Promise((r) => setTimeout(r, 50));
  }
  if (!url) {
    stop(child);
    throw new Error(`${command} did not print its service URL: ${out.slice(-400)}`);
  }
  return { url, child };
}

function stop(child: ChildProcess): Promise<unknown> {
  const exited = new Promise((r) => child.once('exit', r));
  if (child.pid) process.kill(-child.pid, 'SIGINT');
  return exited;
}

/** `senders` concurrent keep-alive senders, `perSender` deliveries each; latencies in ms. */
async function send(url: string, events: number, senders: number, perSender: number) {
  const transport = new HttpTransport({ connections: senders, timeoutMs: 10_000 });
  const samples: number[] = [];
  await Promise.all(
    Array.from({ length: senders }, async () => {
      for (let i = 0; i < perSender; i += 1) {
        const body = oktaDelivery(events);
        const started = performance.now();
        const res = await transport.request({
          origin: url,
          path: '/webhooks/okta',
          method: 'POST',
          headers: { authorization: AUTH, 'content-type': 'application/json' },
          body,
        });
        await readText(res.body);
        samples.push(performance.now() - started);
        if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}`);
      }
    }),
  );
  await transport.close();
  return samples;
}

/**
 * Ingest acknowledgement over local HTTP (`npm start`, the whole local path) against a bare
 * `node:http` server on the same machine, 8 concurrent senders; p99, rounds interleaved.
 */
export async function ingestAck(rounds = 3, perSender = 60) {
  const dataDir = join(BENCH_DIR, 'ack');
  await rm(dataDir, { recursive: true, force: true });
  const ours = await startProcess('npm', ['start', '--silent'], {
    ...process.env,
    PORT: '0',
    SANDBOX_PORT: '0',
    GRAPH_STANDIN_PORT: '0',
    LOCAL_DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    GUARD_MAX_REQUESTS: '1000000',
  });
  const bare = await startProcess(process.execPath, ['-e', BARE_SERVER], process.env);
  try {
    console.log(
      `\nIngest ack over local HTTP, 8 concurrent senders × ${perSender} Okta deliveries, p99 (median of ${rounds} interleaved rounds):`,
    );
    for (const events of [1, 10]) {
      // Warm-up (JIT, keep-alive sockets) of 240 deliveries, not counted.
      await send(ours.url, events, 8, 30);
      await send(bare.url, events, 8, 30);
      const p99 = { ours: [] as number[], bare: [] as number[] };
      for (let r = 0; r < rounds; r += 1) {
        p99.ours.push(percentile(await send(ours.url, events, 8, perSender), 0.99));
        p99.bare.push(percentile(await send(bare.url, events, 8, perSender), 0.99));
      }
      const ratio = median(p99.ours) / median(p99.bare);
      row(
        `ingest ack p99, ${events} event${events === 1 ? '' : 's'}/delivery`,
        fmtX(ratio),
        `${fmtMs(median(p99.ours))} vs bare ${fmtMs(median(p99.bare))}`,
        '≤ 2.00×',
        ratio <= 2,
      );
    }
  } finally {
    await stop(ours.child);
    await stop(bare.child);
  }
}
