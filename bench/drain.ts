import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { Worker } from 'node:worker_threads';
import type { SQSRecord } from 'aws-lambda';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import { assembleWorker } from '#core/compose/assemble-worker.ts';
import type { HelpCenterDialect } from '#core/contract/dialects.ts';
import { createRecordHandler, createWorkerHandler } from '#core/deprovision/batch.ts';
import type { DeprovisionRequest } from '#core/domain/deprovision-request.ts';
import { systemClock } from '#core/ports/clock.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { StageConfigSchema } from '../infra/config.ts';
import { InMemoryIdentityStore } from '../local/adapters/in-memory-identity-store.ts';
import { InMemoryRateGuard } from '../local/adapters/in-memory-rate-guard.ts';
import { InProcessTokenRefresher } from '../local/adapters/in-process-token-refresher.ts';
import { localLambdaContext } from '../local/lambda-context.ts';
import { loadSeed, type SandboxOptions } from '../local/sandbox/server.ts';
import { InMemoryDeadLetterQueue } from '../test/doubles/in-memory-dead-letter-queue.ts';
import { StaticSecretSource } from '../test/doubles/static-secret-source.ts';
import { fmtPct, median, row } from './stats.ts';

const ROOT = join(import.meta.dirname, '..');

export interface DrainSetup {
  dialect: HelpCenterDialect;
  persons: number;
  /** Help Center latency of every `/api/` call. */
  latencyMs: number;
  /** Help Center requests in flight per worker container (the client's semaphore). */
  concurrency: number;
  /** The org's limit the sandbox enforces with 429s. */
  orgLimit: number;
  /** How the records reach the worker. */
  driver:
    | { kind: 'local'; inFlightRecords: number }
    | { kind: 'lambda'; invocations: number; batchSize: number };
  /** Identity-store links for every person (no directory lookup): one call per help center. */
  linked?: boolean;
  /** How many of the seed's help centers each person is in (default: all). */
  helpCenters?: number;
}

export interface DrainResult {
  elapsedMs: number;
  apiCalls: number;
  /** Calls × latency / in-flight bound: the shortest possible drain. */
  boundMs: number;
  share: number;
  lost: number;
  tooMany: number;
  deadLettered: number;
}

/**
 * Drains a burst of `persons` (each in every help center of the seed) through the real worker
 * (record handler or SQS batch handler) against the sandbox over loopback, and compares the time
 * with the bound: every slot of the Help Center budget busy from first call to last.
 */
export async function drain(setup: DrainSetup): Promise<DrainResult> {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  const helpCenterIds = seed.helpCenters.map((h) => h.id).slice(0, setup.helpCenters);
  const groupsOf = (hc: string) =>
    seed.groups.filter((g) => g.helpCenterId === hc).map((g) => g.id);
  seed.users = [];
  for (let i = 0; i < setup.persons; i += 1) {
    helpCenterIds.forEach((hc, h) => {
      seed.users.push({
        id: String(9_000_000_000_000 + i * 10 + h),
        email: `drain${i}@example.com`,
        helpCenterId: hc,
        groupIds: groupsOf(hc),
      });
    });
  }
  const sandbox = await startSandboxThread({
    seed,
    mintLimit: { max: 1000, windowMs: 600_000 },
    concurrencyLimit: setup.orgLimit,
  });
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pathPrefix: '/api/', delayMs: setup.latencyMs, times: 100_000_000 }),
  });
  const secrets = new StaticSecretSource({
    oauth: JSON.stringify({
      ...seed.oauth,
      scopes: undefined,
      orgId: seed.orgId,
      accountsUrl: sandbox.url,
    }),
  });
  const identityStore = new InMemoryIdentityStore();
  if (setup.linked) {
    const now = new Date().toISOString();
    for (let i = 0; i < setup.persons; i += 1) {
      await identityStore.put({
        id: `p${i}`,
        email: `drain${i}@example.com`,
        active: false,
        helpCenterUserIds: Object.fromEntries(
          helpCenterIds.map((hc, h) => [hc, String(9_000_000_000_000 + i * 10 + h)]),
        ),
        createdAt: now,
        updatedAt: now,
        version: 1,
      });
    }
  }
  const deadLetters = new InMemoryDeadLetterQueue();
  const containers = setup.driver.kind === 'lambda' ? setup.driver.invocations : 1;
  const closers: Array<() => Promise<void>> = [];
  const workers = [];
  for (let c = 0; c < containers; c += 1) {
    // One container: its own transport, token reader and Help Center client (one semaphore).
    const dispatcher = createZohoAgent({ timeoutMs: 30_000, connections: setup.concurrency });
    closers.push(() => dispatcher.close());
    const deps = await assembleWorker(
      {
        dialect: setup.dialect,
        helpCenterIds,
        helpCenterBaseUrl: sandbox.url,
        concurrency: setup.concurrency,
        timeoutMs: 30_000,
        maxReceiveCount: 5,
        maxInCallRetries: 3,
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
        identityStore,
        deadLetters,
        guard: new InMemoryRateGuard(1_000_000, 300, systemClock),
        dispatcher,
        logger: silentLogger,
      },
    );
    workers.push(deps);
  }

  const records: SQSRecord[] = Array.from({ length: setup.persons }, (_, i) => {
    const request: DeprovisionRequest = {
      schemaVersion: 1,
      requestId: `drain-${i}`,
      source: 'manual',
      subject: { email: `drain${i}@example.com` },
      reason: 'bench',
      occurredAt: new Date().toISOString(),
      receivedAt: new Date().toISOString(),
    };
    return sqsRecord(`m${i}`, JSON.stringify(request));
  });
  const retried: SQSRecord[] = [];
  let next = 0;
  const take = (n: number) => {
    const batch = records.slice(next, next + n);
    next += batch.length;
    if (batch.length < n) batch.push(...retried.splice(0, n - batch.length));
    return batch;
  };

  const started = performance.now();
  if (setup.driver.kind === 'local') {
    // Keeps `inFlightRecords` records in the worker at all times (a queue that keeps the budget full).
    const handle = createRecordHandler(workers[0]!);
    await Promise.all(
      Array.from({ length: setup.driver.inFlightRecords }, async () => {
        for (let [record] = take(1); record; [record] = take(1)) {
          await handle(record).catch(() => retried.push(record!));
        }
      }),
    );
  } else {
    // SQS event source with `invocations` concurrent pollers, `batchSize` records each.
    const { batchSize } = setup.driver;
    await Promise.all(
      workers.map(async (deps) => {
        const handler = createWorkerHandler(deps);
        for (let batch = take(batchSize); batch.length > 0; batch = take(batchSize)) {
          const out = await handler({ Records: batch }, localLambdaContext('worker', 120_000));
          const failed = new Set(out.batchItemFailures.map((f) => f.itemIdentifier));
          retried.push(...batch.filter((r) => failed.has(r.messageId)));
        }
      }),
    );
  }
  const elapsedMs = performance.now() - started;

  const state = (await (await fetch(`${sandbox.url}/_sandbox/state`)).json()) as {
    calls: Array<{ path: string; status: number }>;
    users: Array<{ id: string; groupIds: string[] }>;
  };
  await sandbox.close();
  for (const close of closers) await close();
  const api = state.calls.filter((c) => c.path.startsWith('/api/'));
  const inFlightBound = Math.min(setup.orgLimit, containers * setup.concurrency);
  const boundMs = (api.length * setup.latencyMs) / inFlightBound;
  const benchUsers = state.users.filter((u) => u.id.startsWith('9000'));
  return {
    elapsedMs,
    apiCalls: api.length,
    boundMs,
    share: boundMs / elapsedMs,
    lost: benchUsers.filter((u) => u.groupIds.length > 0).length + retried.length,
    tooMany: api.filter((c) => c.status === 429).length,
    deadLettered: deadLetters.records.length,
  };
}

/**
 * The same number of calls with no worker at all: `concurrency` bare loops against the same
 * sandbox thread and latency. What this machine allows right now; the drain's baseline.
 */
export async function floorMs(calls: number, latencyMs: number, concurrency: number) {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  const sandbox = await startSandboxThread({ seed, concurrencyLimit: concurrency });
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ pathPrefix: '/api/', delayMs: latencyMs, times: 100_000_000 }),
  });
  const transport = createZohoAgent({ connections: concurrency });
  const origin = sandbox.url;
  let left = calls;
  const started = performance.now();
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (left > 0) {
        left -= 1;
        const res = await transport.request({ origin, path: '/api/v1/users', method: 'GET' });
        for await (const _ of res.body) {
          // drain the body
        }
      }
    }),
  );
  const elapsed = performance.now() - started;
  await transport.close();
  await sandbox.close();
  return elapsed;
}

/** The sandbox on a worker thread: its CPU time does not delay the worker's event loop. */
export async function startSandboxThread(options: SandboxOptions) {
  // tsx's loader is registered in the thread itself, then the TypeScript entry is imported.
  const entry = new URL('./sandbox-thread.ts', import.meta.url).href;
  const tsx = import.meta.resolve('tsx/esm/api');
  const thread = new Worker(
    `import(${JSON.stringify(tsx)}).then((api) => { api.register(); return import(${JSON.stringify(entry)}); });`,
    { eval: true, workerData: options },
  );
  const { url } = await new Promise<{ url: string }>((resolve, reject) => {
    thread.once('message', resolve);
    thread.once('error', reject);
  });
  return {
    url,
    close: async () => {
      const exited = new Promise((r) => thread.once('exit', r));
      thread.postMessage('close');
      await exited;
    },
  };
}

function sqsRecord(messageId: string, body: string): SQSRecord {
  const now = String(Date.now());
  return {
    messageId,
    receiptHandle: messageId,
    body,
    attributes: {
      ApproximateReceiveCount: '1',
      SentTimestamp: now,
      SenderId: 'bench',
      ApproximateFirstReceiveTimestamp: now,
    },
    messageAttributes: {},
    md5OfBody: '',
    eventSource: 'aws:sqs',
    eventSourceARN: 'arn:aws:sqs:us-east-1:000000000000:work',
    awsRegion: 'us-east-1',
  };
}

/** The drain rows: 3 runs × 200 persons (each in both seed help centers), 50 ms per call. */
export async function drainRows(runs = 3) {
  const stage = StageConfigSchema.parse({});
  const local = { concurrency: 5, inFlightRecords: 10 };
  console.log(
    `\nBurst drain: ${runs} runs × 200 persons, each in both help centers, 50 ms per Help Center call; share of the bound = ` +
      '(API calls × 50 ms / calls allowed in flight) / drain time (median of runs):',
  );
  console.log(
    `  local: one worker, Help Center concurrency ${local.concurrency}, ${local.inFlightRecords} records kept in flight (worker-side driver)`,
  );
  console.log(
    `  Lambda stage defaults (infra/config.ts): ${stage.worker.maxConcurrency} invocations × batch ${stage.worker.batchSize}, ` +
      `Help Center concurrency ${stage.helpCenter.concurrency} each, org limit ${stage.helpCenter.orgConcurrencyLimit}`,
  );
  for (const dialect of ['user-groups-delete', 'zoho-desk-v1'] as const) {
    for (const mode of ['local', 'lambda'] as const) {
      const inFlight =
        mode === 'local'
          ? local.concurrency
          : Math.min(
              stage.helpCenter.orgConcurrencyLimit,
              stage.worker.maxConcurrency * stage.helpCenter.concurrency,
            );
      const results: DrainResult[] = [];
      const floors: number[] = [];
      for (let r = 0; r < runs; r += 1) {
        const result = await drain({
          dialect,
          persons: 200,
          latencyMs: 50,
          ...(mode === 'local'
            ? {
                concurrency: local.concurrency,
                orgLimit: local.concurrency,
                driver: { kind: 'local', inFlightRecords: local.inFlightRecords },
              }
            : {
                concurrency: stage.helpCenter.concurrency,
                orgLimit: stage.helpCenter.orgConcurrencyLimit,
                driver: {
                  kind: 'lambda',
                  invocations: stage.worker.maxConcurrency,
                  batchSize: stage.worker.batchSize,
                },
              }),
        });
        results.push(result);
        // The machine's own floor for the same calls, measured right after each run.
        floors.push(result.boundMs / (await floorMs(result.apiCalls, 50, inFlight)));
      }
      const share = median(results.map((x) => x.share));
      const floorShare = median(floors);
      const lost = Math.max(...results.map((x) => x.lost));
      const tooMany = Math.max(...results.map((x) => x.tooMany));
      row(
        `drain ${dialect}, ${mode}`,
        fmtPct(share),
        `of bound; bare loops ${fmtPct(floorShare)}; ${results[0]!.apiCalls} calls, lost ${lost}, 429s ${tooMany}`,
        '≥ 90 %',
        share >= 0.9 && lost === 0 && tooMany === 0,
      );
    }
  }
}

/** 10,000 persons at 200 ms per call, Lambda-shaped at the org's highest limit: 0 lost, 0 own 429s. */
export async function bigBurst(persons = 10_000) {
  const orgLimit = 25;
  const setup: DrainSetup = {
    dialect: 'user-groups-delete',
    persons,
    latencyMs: 200,
    concurrency: 5,
    orgLimit,
    linked: true,
    helpCenters: 1,
    driver: { kind: 'lambda', invocations: 5, batchSize: 10 },
  };
  console.log(
    `\nBig burst: ${persons} persons (one help center each, linked in the identity store), 200 ms per call, ` +
      `5 invocations × batch 10 × concurrency 5 = org limit ${orgLimit} (the sandbox answers 429 past it):`,
  );
  const r = await drain(setup);
  row(
    `burst ${persons} persons`,
    `${r.lost} lost`,
    `${r.tooMany} 429s, ${r.deadLettered} dead letters, ${(r.elapsedMs / 1000).toFixed(1)} s (${fmtPct(r.share)} of bound)`,
    '0 lost, 0 429',
    r.lost === 0 && r.tooMany === 0 && r.deadLettered === 0,
  );
}
