/**
 * `npm run bench`: numbers quoted in notes and the README come from here, never from tests.
 * Everything runs on this machine against loopback servers; compare ratios within one run.
 */
import { spawn } from 'node:child_process';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { build } from 'esbuild';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import type { HelpCenterDialect } from '#core/contract/dialects.ts';
import { processDeprovision } from '#core/deprovision/process-deprovision.ts';
import { createIngestHandler } from '#core/intake/ingest-handler.ts';
import { systemClock } from '#core/ports/clock.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { InMemoryIdentityStore } from '../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../local/adapters/in-memory-rate-guard.ts';
import { InProcessTokenRefresher } from '../local/adapters/in-process-token-refresher.ts';
import { loadSeed, startSandbox } from '../local/sandbox/server.ts';
import { InMemoryDeadLetterQueue } from '../test/doubles/in-memory-dead-letter-queue.ts';
import { InMemoryWorkQueue } from '../test/doubles/in-memory-work-queue.ts';
import { StaticSecretSource } from '../test/doubles/static-secret-source.ts';

const ROOT = join(import.meta.dirname, '..');

function stats(samples: number[]) {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? 0;
  return { n: sorted.length, p50: at(0.5), p90: at(0.9), p99: at(0.99) };
}

const ms = (v: number) => `${v.toFixed(2)} ms`;

async function bundleSizes() {
  const entries = [
    'ingest',
    'worker',
    'token-refresher',
    'redrive',
    'eventbridge-ingest',
    'graph-subscription',
  ];
  const rows: string[] = [];
  for (const name of entries) {
    const result = await build({
      entryPoints: [join(ROOT, 'functions', name, 'index.ts')],
      bundle: true,
      minify: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      // What NodejsFunction does for Node 18+ runtimes: the AWS SDK v3 comes from the runtime.
      external: ['@aws-sdk/*'],
      write: false,
      metafile: true,
      logLevel: 'silent',
    });
    const bytes = result.outputFiles.reduce((sum, f) => sum + f.contents.byteLength, 0);
    rows.push(
      `  ${name.padEnd(20)} ${(bytes / 1024).toFixed(1).padStart(8)} KiB (minified, @aws-sdk/* external)`,
    );
  }
  return rows.join('\n');
}

function oktaDelivery(events: number, offset: number) {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventId: `bench-${offset}`,
    data: {
      events: Array.from({ length: events }, (_, i) => ({
        uuid: `bench-${offset}-${i}`,
        published: '2026-11-26T09:00:00.000Z',
        eventType: i % 2 === 0 ? 'user.lifecycle.deactivate' : 'user.session.start',
        outcome: { result: 'SUCCESS' },
        target: [
          { id: `00u${offset}${i}`, type: 'User', alternateId: `u${offset}-${i}@example.com` },
        ],
      })),
    },
  });
}

async function ingestLatency(events: number, iterations: number) {
  const secretId = 'bench/webhook';
  const handler = createIngestHandler({
    config: {
      workQueueUrl: 'local://bench',
      webhookSecretId: secretId,
      oktaDeprovisionEventTypes: ['user.lifecycle.deactivate'],
      maxBodyBytes: 256 * 1024,
    },
    queue: new InMemoryWorkQueue(),
    secretSource: new StaticSecretSource({
      [secretId]: JSON.stringify({
        oktaAuthorization: 'bench',
        scimBearerToken: 'b',
        graphClientState: 'b',
        webhookSigningSecret: 'whsec_YmVuY2g=',
      }),
    }),
    identityStore: new InMemoryIdentityStore(),
    logger: silentLogger,
  });
  const context = { getRemainingTimeInMillis: () => 3000 } as never;
  const samples: number[] = [];
  for (let i = 0; i < iterations; i += 1) {
    const event = {
      version: '2.0',
      routeKey: '$default',
      rawPath: '/webhooks/okta',
      rawQueryString: '',
      headers: { authorization: 'bench', 'content-type': 'application/json' },
      requestContext: { http: { method: 'POST', path: '/webhooks/okta' }, requestId: String(i) },
      body: oktaDelivery(events, i),
      isBase64Encoded: false,
    } as never;
    const start = performance.now();
    const res = (await handler(event, context)) as { statusCode: number };
    samples.push(performance.now() - start);
    if (res.statusCode !== 200) throw new Error(`ingest answered ${res.statusCode}`);
  }
  return stats(samples.slice(Math.floor(iterations / 10)));
}

async function workerAgainstSandbox(dialect: HelpCenterDialect, users: number) {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  const hc = seed.helpCenters[0]!.id;
  const groupIds = seed.groups.filter((g) => g.helpCenterId === hc).map((g) => g.id);
  seed.users = Array.from({ length: users }, (_, i) => ({
    id: String(9_000_000_000_000 + i),
    email: `bench${i}@example.com`,
    helpCenterId: hc,
    groupIds,
  }));
  const sandbox = await startSandbox({ seed, mintLimit: { max: 10, windowMs: 600_000 } });
  const secrets = new StaticSecretSource({
    oauth: JSON.stringify({
      ...seed.oauth,
      scopes: undefined,
      orgId: seed.orgId,
      accountsUrl: sandbox.url,
    }),
  });
  const dispatcher = createZohoAgent({ timeoutMs: 5000, connections: 5 });
  const deps = await assembleWorker(
    {
      dialect,
      helpCenterIds: [hc],
      helpCenterBaseUrl: sandbox.url,
      concurrency: 5,
      timeoutMs: 5000,
      maxReceiveCount: 5,
      maxInCallRetries: 0,
      dryRun: false,
      verifyAfterRemove: false,
      guardMaxRequests: 1_000_000,
      guardWindowSeconds: 300,
    },
    {
      secrets,
      oauthSecretId: 'oauth',
      tokenSecretId: 'token',
      refresher: new InProcessTokenRefresher({
        secrets,
        writer: secrets,
        minter: new ZohoAccountsClient(dispatcher),
        oauthSecretId: 'oauth',
        tokenSecretId: 'token',
        logger: silentLogger,
      }),
      identityStore: new InMemoryIdentityStore(),
      deadLetters: new InMemoryDeadLetterQueue(),
      guard: new InMemoryRateGuard(1_000_000, 300, systemClock),
      dispatcher,
      logger: silentLogger,
    },
  );
  const samples: number[] = [];
  const started = performance.now();
  for (let i = 0; i < users; i += 1) {
    const start = performance.now();
    const outcome = await processDeprovision(
      deps,
      {
        schemaVersion: 1,
        requestId: `bench-${dialect}-${i}`,
        source: 'manual',
        subject: { email: `bench${i}@example.com` },
        reason: 'bench',
        occurredAt: new Date().toISOString(),
        receivedAt: new Date().toISOString(),
      },
      { messageId: `m${i}`, receiveCount: 1 },
    );
    samples.push(performance.now() - start);
    if (outcome.kind !== 'removed') throw new Error(`unexpected outcome ${outcome.kind}`);
  }
  const elapsed = performance.now() - started;
  const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
    calls: Array<{ path: string }>;
  };
  const apiCalls = state.calls.filter((c) => c.path.startsWith('/api/')).length;
  await sandbox.close();
  await dispatcher.close();
  return {
    ...stats(samples.slice(5)),
    perSecond: (users / elapsed) * 1000,
    callsPerDeprovision: apiCalls / users,
  };
}

async function timeToReady(): Promise<number> {
  const start = performance.now();
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_PORT: '0',
      GRAPH_STANDIN_PORT: '0',
      LOCAL_DATA_DIR: join(ROOT, '.local', 'bench'),
    },
    stdio: ['ignore', 'pipe', 'ignore'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c.toString();
  });
  let url: string | undefined;
  while (performance.now() - start < 30_000) {
    url ??= /Service\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out)?.[1];
    if (url) {
      const ok = await fetch(`${url}/healthz`).then(
        (r) => r.ok,
        () => false,
      );
      if (ok) break;
    }
    await new Promise((r) => setTimeout(r, 20));
  }
  const elapsed = performance.now() - start;
  const exited = new Promise((r) => child.once('exit', r));
  if (child.pid) process.kill(-child.pid, 'SIGINT');
  await exited;
  return elapsed;
}

async function main() {
  const cpu = cpus()[0]?.model ?? 'unknown CPU';
  console.log(
    `machine: ${cpus().length} × ${cpu}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, node ${process.version} (shared, noisy: compare ratios)`,
  );
  console.log('\nLambda bundles (esbuild, as NodejsFunction builds them):');
  console.log(await bundleSizes());

  console.log('\nIngest handler, Okta delivery → in-memory queue (in process, 500 deliveries):');
  const one = await ingestLatency(1, 500);
  const fifty = await ingestLatency(50, 500);
  console.log(`  1 event/delivery   p50 ${ms(one.p50)}  p90 ${ms(one.p90)}  p99 ${ms(one.p99)}`);
  console.log(
    `  50 events/delivery p50 ${ms(fifty.p50)}  p90 ${ms(fifty.p90)}  p99 ${ms(fifty.p99)}  (ratio p50 ${(fifty.p50 / one.p50).toFixed(1)}×)`,
  );

  console.log(
    '\nWorker use case against the sandbox over loopback sockets (200 users each, sequential):',
  );
  const a = await workerAgainstSandbox('user-groups-delete', 200);
  const b = await workerAgainstSandbox('zoho-desk-v1', 200);
  for (const [name, r] of [
    ['user-groups-delete', a],
    ['zoho-desk-v1', b],
  ] as const) {
    console.log(
      `  ${name.padEnd(19)} ${r.callsPerDeprovision.toFixed(2)} API calls/deprovision  p50 ${ms(r.p50)}  p99 ${ms(r.p99)}  ${r.perSecond.toFixed(0)}/s`,
    );
  }
  console.log(`  ratio zoho-desk-v1 / user-groups-delete p50: ${(b.p50 / a.p50).toFixed(2)}×`);

  console.log('\nnpm start: spawn → /healthz 200 (3 runs):');
  const runs = [await timeToReady(), await timeToReady(), await timeToReady()];
  console.log(
    `  ${runs.map((r) => `${(r / 1000).toFixed(2)} s`).join(', ')}  (median ${(runs.sort((x, y) => x - y)[1]! / 1000).toFixed(2)} s)`,
  );
  await (await import('./cli.ts')).cliBench();
}

await main();
