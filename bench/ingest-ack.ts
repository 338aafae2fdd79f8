import { type ChildProcess, spawn } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';
import { mkdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { HttpTransport, readText } from '#core/adapters/http/transport.ts';
import { LOCAL_DEFAULT_SECRETS } from '../local/config.ts';
import { loadSeed } from '../local/sandbox/server.ts';
import { BENCH_DIR } from './bundles.ts';
import { startSandboxThread } from './drain.ts';
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

/**
 * The second, fairer baseline: the bare server that also makes each request durable before its
 * 200, as ours must: it appends the body to a file and fsyncs (group commit: the requests that
 * arrive during a write share the next write and fsync, as the local queue's journal does).
 */
const BARE_FSYNC_SERVER = `
const http = require('node:http');
const fs = require('node:fs');
const fd = fs.openSync(process.env.BARE_JOURNAL, 'a');
let pending = [];
let writing = false;
function flush() {
  if (pending.length === 0) { writing = false; return; }
  writing = true;
  const batch = pending;
  pending = [];
  fs.write(fd, batch.map((p) => p.line).join(''), (error) => {
    if (error) { for (const p of batch) p.done(error); return flush(); }
    fs.fdatasync(fd, (error) => {
      for (const p of batch) p.done(error);
      flush();
    });
  });
}
const server = http.createServer((req, res) => {
  const chunks = [];
  req.on('data', (c) => chunks.push(c));
  req.on('end', () => {
    const text = Buffer.concat(chunks).toString('utf8');
    try { JSON.parse(text); } catch { res.statusCode = 400; }
    if (req.headers.authorization !== ${JSON.stringify(AUTH)}) res.statusCode = 401;
    if (res.statusCode !== 200) { res.end('{}'); return; }
    pending.push({ line: text.replace(/\\n/g, ' ') + '\\n', done: (error) => {
      res.statusCode = error ? 500 : 200;
      res.setHeader('content-type', 'application/json');
      res.end('{}');
    } });
    if (!writing) flush();
  });
});
server.listen(0, '127.0.0.1', () => console.log('Service http://127.0.0.1:' + server.address().port));
process.on('SIGINT', () => process.exit(0));
`;

/**
 * CPU time (ms on a CPU, user and system) of every thread of every process in a process group,
 * from Linux `/proc/<pid>/task/<tid>/schedstat` (nanoseconds, unlike `stat`'s 10 ms ticks, which
 * miss most of a server that runs in bursts shorter than a tick); undefined without them.
 */
function groupCpuMs(pgid: number): number | undefined {
  let names: string[];
  try {
    names = readdirSync('/proc');
  } catch {
    return undefined;
  }
  let ns = 0;
  let found = false;
  for (const pid of names) {
    if (!/^\d+$/.test(pid)) continue;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      // After the command name (which may hold spaces): state ppid pgrp …
      if (Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]) !== pgid) continue;
      for (const tid of readdirSync(`/proc/${pid}/task`)) {
        ns += Number(readFileSync(`/proc/${pid}/task/${tid}/schedstat`, 'utf8').split(' ')[0]);
        found = true;
      }
    } catch {
      // gone meanwhile, or no schedstat on this kernel
    }
  }
  return found ? ns / 1e6 : undefined;
}

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

export async function startProcess(command: string, args: string[], env: NodeJS.ProcessEnv) {
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

export function stop(child: ChildProcess): Promise<unknown> {
  const exited = new Promise((r) => child.once('exit', r));
  if (child.pid) process.kill(-child.pid, 'SIGINT');
  return exited;
}

/**
 * Waits until the service's queue is empty (`/healthz` queueDepth 0): the worker's leftover work
 * must not run during the baselines' rounds (nor the next round), or it would slow them instead.
 */
async function drained(url: string, timeoutMs = 120_000): Promise<void> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const res = await fetch(`${url}/healthz`);
    const { queueDepth } = (await res.json()) as { queueDepth: number | null };
    if (queueDepth === 0) return;
    await new Promise((r) => setTimeout(r, 50));
  }
  throw new Error(`the service's queue did not drain within ${timeoutMs} ms`);
}

/** `senders` concurrent keep-alive senders, `perSender` deliveries each; latencies in ms. */
export async function send(url: string, events: number, senders: number, perSender: number) {
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
 * Ingest acknowledgement over local HTTP (`npm start`, the whole local path: HTTP, ingest handler,
 * journal fsync, with the worker draining the queue in the same process) against a bare
 * `node:http` server on the same machine (the goal row), and against a bare server that
 * appends and fsyncs each body before answering (group commit); 8 concurrent senders; p99, rounds
 * interleaved. Info lines: the durable baseline against the bare one (what the fsync alone costs on
 * this machine) and each server's CPU per delivery (Linux `/proc`).
 */
export async function ingestAck(rounds = 3, perSender = 60) {
  const dataDir = join(BENCH_DIR, 'ack');
  await rm(dataDir, { recursive: true, force: true });
  await rm(join(BENCH_DIR, 'ack-bare.journal'), { force: true });
  await mkdir(BENCH_DIR, { recursive: true });
  // The Help Center stand-in answers from its own thread, as the remote Help Center does not share
  // the service's event loop (as in the drain rows); the worker still runs in the service's
  // process. BENCH_ACK_SANDBOX=in-process keeps `npm start`'s own in-process sandbox instead.
  const sandboxInProcess = process.env.BENCH_ACK_SANDBOX === 'in-process';
  const seed = await loadSeed(join(ROOT, 'local', 'seed.json'));
  const sandbox = sandboxInProcess ? undefined : await startSandboxThread({ seed });
  const ours = await startProcess('npm', ['start', '--silent'], {
    ...process.env,
    PORT: '0',
    SANDBOX_PORT: '0',
    GRAPH_STANDIN_PORT: '0',
    LOCAL_DATA_DIR: dataDir,
    LOG_LEVEL: 'error',
    GUARD_MAX_REQUESTS: '1000000',
    ...(sandbox
      ? {
          HELPCENTER_BASE_URL: sandbox.url,
          ZOHO_ACCOUNTS_URL: sandbox.url,
          ZOHO_CLIENT_ID: seed.oauth.clientId,
          ZOHO_CLIENT_SECRET: seed.oauth.clientSecret,
          ZOHO_REFRESH_TOKEN: seed.oauth.refreshToken,
          ZOHO_ORG_ID: seed.orgId,
          HELPCENTER_IDS: seed.helpCenters.map((hc) => hc.id).join(','),
        }
      : {}),
  });
  const bare = await startProcess(process.execPath, ['-e', BARE_SERVER], process.env);
  const bareFsync = await startProcess(process.execPath, ['-e', BARE_FSYNC_SERVER], {
    ...process.env,
    BARE_JOURNAL: join(BENCH_DIR, 'ack-bare.journal'),
  });
  try {
    console.log(
      `\nIngest ack over local HTTP, 8 concurrent senders × ${perSender} Okta deliveries, p99 (median of ${rounds} interleaved rounds; worker in the service's process, Help Center stand-in ${sandbox ? 'on its own thread' : 'in the same process'}):`,
    );
    for (const events of [1, 10]) {
      // Warm-up (JIT, keep-alive sockets) of 1,200 deliveries each, not counted: with 240 the bare
      // server still spent 5× the CPU per delivery of its later rounds (V8 had not optimised it yet).
      await send(ours.url, events, 8, 150);
      await drained(ours.url);
      await send(bare.url, events, 8, 150);
      await send(bareFsync.url, events, 8, 150);
      const p99 = { ours: [] as number[], bare: [] as number[], fsync: [] as number[] };
      // CPU each server spent on the measured rounds; ours until its queue is empty again, so the
      // co-located worker's share of these deliveries counts too.
      const cpu = { ours: 0, bare: 0, fsync: 0 };
      const measured = async (
        target: keyof typeof p99,
        child: ChildProcess,
        run: () => Promise<number[]>,
      ) => {
        const before = child.pid ? groupCpuMs(child.pid) : undefined;
        p99[target].push(percentile(await run(), 0.99));
        const after = child.pid ? groupCpuMs(child.pid) : undefined;
        cpu[target] += before === undefined || after === undefined ? Number.NaN : after - before;
      };
      for (let r = 0; r < rounds; r += 1) {
        await measured('ours', ours.child, async () => {
          const samples = await send(ours.url, events, 8, perSender);
          await drained(ours.url);
          return samples;
        });
        await measured('bare', bare.child, () => send(bare.url, events, 8, perSender));
        await measured('fsync', bareFsync.child, () => send(bareFsync.url, events, 8, perSender));
      }
      const label = `${events} event${events === 1 ? '' : 's'}/delivery`;
      const ratio = median(p99.ours) / median(p99.bare);
      row(
        `ingest ack p99, ${label}`,
        fmtX(ratio),
        `${fmtMs(median(p99.ours))} vs bare ${fmtMs(median(p99.bare))}`,
        '≤ 2.00×',
        ratio <= 2,
      );
      const fsyncRatio = median(p99.ours) / median(p99.fsync);
      row(
        `  same vs bare + append + fsync`,
        fmtX(fsyncRatio),
        `vs ${fmtMs(median(p99.fsync))} (info: durable baseline)`,
        '≤ 2.00×',
        fsyncRatio <= 2,
      );
      // Info, no goal: what durability alone costs on this machine, and how much CPU each server
      // spends per delivery (on 2 cores, what the other senders' requests wait behind).
      const cpuMs = (ms: number) => `${(ms / (rounds * 8 * perSender)).toFixed(2)} ms`;
      console.log(
        `    bare + append + fsync vs bare, p99: ${fmtX(median(p99.fsync) / median(p99.bare))} ` +
          `(info: what the fsync alone costs here)`,
      );
      console.log(
        Number.isNaN(cpu.ours)
          ? '    CPU per delivery: n/a (no /proc here)'
          : `    CPU per delivery (info; ours: ingest and the worker's share): ours ${cpuMs(cpu.ours)}, ` +
              `bare ${cpuMs(cpu.bare)} (ours ${fmtX(cpu.ours / cpu.bare)}), ` +
              `bare + fsync ${cpuMs(cpu.fsync)} (ours ${fmtX(cpu.ours / cpu.fsync)})`,
      );
    }
  } finally {
    await stop(ours.child);
    await stop(bare.child);
    await stop(bareFsync.child);
    await sandbox?.close();
  }
}
