/**
 * `npm run bench -- faults`, the fault matrix (issue 14): ≥1,000 people across two help centers deprovisioned
 * through the local runner while the sandbox Help Center fails at random (429 with and without
 * Retry-After, 500, 503, delays past the client timeout, connection resets, one 401), then the
 * faults are cleared, the queue drained and the dead-letter file redriven. Then a SIGKILL in the
 * middle of a burst against `npm start`, and a restart on the same data dir.
 * Prints: requests, removed, lost, duplicate dead-letter records, bystanders touched, forbidden
 * calls. Loopback only; every loop is bounded in count and time.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { SqsDeadLetterSource } from '#core/adapters/aws/sqs-dead-letter-source.ts';
import { SqsWorkQueue } from '#core/adapters/aws/sqs-work-queue.ts';
import { redrive } from '#core/deprovision/redrive.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { loadLocalConfig } from '../local/config.ts';
import { startLocalService } from '../local/runner.ts';
import {
  loadSeed,
  type SandboxSeed,
  seedOAuthSecret,
  startSandbox,
} from '../local/sandbox/server.ts';
import { WorkerResources } from '../test/integration/worker-resources.ts';

const ROOT = join(import.meta.dirname, '..');
const PEOPLE = Number(process.env.FAULT_MATRIX_PEOPLE ?? 1_100);
const BYSTANDERS = 100;
const KILL_PEOPLE = Number(process.env.FAULT_MATRIX_KILL_PEOPLE ?? 300);
/**
 * Real-service mode (moto's SQS, DynamoDB and Secrets Manager) runs when AWS_ENDPOINT_URL is set;
 * it takes about 9 minutes for 1,000 people on a 2-core machine (the local mode about 2.5).
 */
const AWS_PEOPLE = Number(process.env.FAULT_MATRIX_AWS_PEOPLE ?? 1_000);
const TIMEOUT_MS = 1_000;

/** Deterministic PRNG (mulberry32), so a run can be repeated. */
function prng(seed: number) {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4_294_967_296;
  };
}

interface Person {
  email: string;
  oktaId: string;
}

/** Two help centers; every third person has an account in both; bystanders are never named. */
async function buildSeed(people: number, prefix: string) {
  const seed = await loadSeed(join(ROOT, 'local/seed.json'));
  const hcs = seed.helpCenters.map((hc) => hc.id);
  const groupsOf = (hc: string) =>
    seed.groups.filter((g) => g.helpCenterId === hc).map((g) => g.id);
  const users: SandboxSeed['users'] = [];
  const targets: Person[] = [];
  let next = 8_200_000_000_000;
  const add = (email: string, hc: string) => {
    next += 1;
    users.push({ id: String(next), email, helpCenterId: hc, groupIds: groupsOf(hc) });
  };
  for (let i = 0; i < people; i += 1) {
    const email = `${prefix}${i}@example.com`;
    const home = hcs[i % hcs.length] ?? '';
    add(email, home);
    if (i % 3 === 0) for (const hc of hcs) if (hc !== home) add(email, hc);
    targets.push({ email, oktaId: `00u${prefix}${i}` });
  }
  for (let i = 0; i < BYSTANDERS; i += 1)
    add(`bystander${i}@example.com`, hcs[i % hcs.length] ?? '');
  seed.users = users;
  return { seed, targets, hcs };
}

function oktaDelivery(batch: readonly Person[], tag: string) {
  return JSON.stringify({
    eventType: 'com.okta.event_hook',
    eventId: `fm-${tag}`,
    data: {
      events: batch.map((p) => ({
        uuid: `fm-${tag}-${p.oktaId}`,
        published: new Date().toISOString(),
        eventType: 'user.lifecycle.deactivate',
        outcome: { result: 'SUCCESS' },
        target: [{ id: p.oktaId, type: 'User', alternateId: p.email }],
      })),
    },
  });
}

/** Sends every person, 10 per delivery, 4 deliveries at a time; returns the statuses. */
async function sendAll(url: string, people: readonly Person[], tag: string): Promise<number[]> {
  const batches: Person[][] = [];
  for (let i = 0; i < people.length; i += 10) batches.push(people.slice(i, i + 10));
  const statuses: number[] = [];
  let nextBatch = 0;
  await Promise.all(
    Array.from({ length: 4 }, async () => {
      for (;;) {
        const index = nextBatch;
        nextBatch += 1;
        const batch = batches[index];
        if (!batch) return;
        const res = await fetch(`${url}/webhooks/okta`, {
          method: 'POST',
          headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
          body: oktaDelivery(batch, `${tag}-${index}`),
        });
        await res.arrayBuffer();
        statuses.push(res.status);
      }
    }),
  );
  return statuses;
}

interface SandboxState {
  users: Array<{ id: string; email: string; helpCenterId: string; groupIds: string[] }>;
  calls: Array<{ method: string; path: string; status: number }>;
}

async function state(sandboxUrl: string): Promise<SandboxState> {
  return (await (await fetch(`${sandboxUrl}/_sandbox/state`)).json()) as SandboxState;
}

async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs: number) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`fault matrix: timed out waiting for ${what}`);
}

const FORBIDDEN = [
  /^DELETE \/api\/v1\/groups\/[^/]+$/,
  /^DELETE \/api\/v1\/helpcenter\/[^/]+\/groups\/[^/]+$/,
];

function audit(seed: SandboxSeed, targets: readonly Person[], s: SandboxState) {
  const emails = new Set(targets.map((t) => t.email));
  const byEmail = new Map<string, SandboxState['users']>();
  for (const u of s.users) byEmail.set(u.email, [...(byEmail.get(u.email) ?? []), u]);
  const lost = targets.filter((t) =>
    (byEmail.get(t.email) ?? []).some((u) => u.groupIds.length > 0),
  ).length;
  const seeded = new Map(seed.users.map((u) => [u.id, u.groupIds.join(',')]));
  const bystanderIds = new Set(seed.users.filter((u) => !emails.has(u.email)).map((u) => u.id));
  const bystandersChanged = s.users.filter(
    (u) => bystanderIds.has(u.id) && u.groupIds.join(',') !== seeded.get(u.id),
  ).length;
  const bystanderCalls = s.calls.filter(
    (c) => c.method !== 'GET' && [...bystanderIds].some((id) => c.path.includes(`/${id}/`)),
  ).length;
  const forbidden = s.calls.filter((c) => FORBIDDEN.some((re) => re.test(`${c.method} ${c.path}`)));
  return {
    lost,
    bystandersTouched: bystandersChanged + bystanderCalls,
    forbidden: forbidden.length,
  };
}

function dlqStats(text: string) {
  const ids = text
    .split('\n')
    .filter((l) => l.trim() !== '')
    .map((l) => {
      try {
        const v = JSON.parse(l) as { request?: { requestId?: string }; requestId?: string };
        return v.request?.requestId ?? v.requestId ?? '(unreadable)';
      } catch {
        return '(unreadable)';
      }
    });
  return { records: ids.length, duplicates: ids.length - new Set(ids).size };
}

interface Mode {
  name: string;
  env: Record<string, string>;
  depth: (serviceUrl: string) => Promise<number>;
  redrive: (serviceUrl: string) => Promise<{ moved: number; skipped: number; duplicates: number }>;
  dlqRecords: () => Promise<number>;
  close: () => Promise<void>;
}

function localMode(dataDir: string): Mode {
  const dlqPath = join(dataDir, 'dlq.jsonl');
  return {
    name: 'local mode: in-process runner, journal queue, DLQ file',
    env: { LOCAL_DATA_DIR: dataDir },
    depth: async (url) =>
      ((await (await fetch(`${url}/healthz`)).json()) as { queueDepth: number }).queueDepth,
    redrive: async (url) => {
      const before = dlqStats(await readFile(dlqPath, 'utf8').catch(() => ''));
      const answer = (await (
        await fetch(`${url}/_local/redrive`, { method: 'POST', body: '{}' })
      ).json()) as { moved: number; skipped: number };
      return { moved: answer.moved, skipped: answer.skipped, duplicates: before.duplicates };
    },
    dlqRecords: async () => dlqStats(await readFile(dlqPath, 'utf8').catch(() => '')).records,
    close: () => rm(dataDir, { recursive: true, force: true }),
  };
}

/** Real-service mode on moto: SQS redelivery and the redrive policy do the retrying. */
async function awsMode(seed: SandboxSeed, sandboxUrl: string): Promise<Mode> {
  const resources = new WorkerResources('bench');
  const sqs = resources.clients.sqs;
  const { workQueueUrl, dlqUrl } = await resources.workQueueWithDlq(4);
  const visible = async (queueUrl: string) => {
    const out = await sqs.send(
      new GetQueueAttributesCommand({
        QueueUrl: queueUrl,
        AttributeNames: [
          'ApproximateNumberOfMessages',
          'ApproximateNumberOfMessagesNotVisible',
          'ApproximateNumberOfMessagesDelayed',
        ],
      }),
    );
    return Object.values(out.Attributes ?? {}).reduce((sum, v) => sum + Number(v), 0);
  };
  return {
    name: "real-service mode: SQS, DynamoDB, Secrets Manager on moto's server",
    env: {
      AWS_ENDPOINT_URL: process.env.AWS_ENDPOINT_URL ?? '',
      WORK_QUEUE_URL: workQueueUrl,
      DEAD_LETTER_QUEUE_URL: dlqUrl,
      WEBHOOK_SECRET_ARN: await resources.secret({
        oktaAuthorization: 'local-okta-secret',
        scimBearerToken: 'bench-scim-token',
        graphClientState: 'bench-client-state',
        webhookSigningSecret: 'whsec_YmVuY2gtc2lnbmluZy1rZXk=',
      }),
      ZOHO_OAUTH_SECRET_ARN: await resources.secret(seedOAuthSecret(seed, sandboxUrl)),
      ZOHO_TOKEN_SECRET_ARN: await resources.secret('created-without-a-value'),
      IDENTITY_TABLE_NAME: await resources.identityTable(),
      IDEMPOTENCY_TABLE_NAME: await resources.idempotencyTable(),
    },
    depth: () => visible(workQueueUrl),
    redrive: async () => {
      // What the redrive Lambda runs.
      const result = await redrive(
        {
          deadLetters: new SqsDeadLetterSource(sqs, dlqUrl, { visibilityTimeoutSeconds: 300 }),
          queue: new SqsWorkQueue(sqs, workQueueUrl),
          logger: silentLogger,
        },
        { maxCount: 100_000 },
      );
      return {
        moved: result.moved,
        skipped: result.skipped,
        duplicates: result.skippedByReason.duplicate ?? 0,
      };
    },
    dlqRecords: () => visible(dlqUrl),
    close: () => resources.cleanup(),
  };
}

async function faultMatrix(people: number, kind: 'local' | 'aws') {
  const { seed, targets, hcs } = await buildSeed(people, 'fm');
  const sandbox = await startSandbox({ seed });
  const mode =
    kind === 'local'
      ? localMode(await mkdtemp(join(tmpdir(), 'hcd-fault-matrix-')))
      : await awsMode(seed, sandbox.url);
  const config = loadLocalConfig({
    PORT: '0',
    GRAPH_STANDIN_PORT: '0',
    HELPCENTER_BASE_URL: sandbox.url,
    ZOHO_ACCOUNTS_URL: sandbox.url,
    ZOHO_CLIENT_ID: seed.oauth.clientId,
    ZOHO_CLIENT_SECRET: seed.oauth.clientSecret,
    ZOHO_REFRESH_TOKEN: seed.oauth.refreshToken,
    ZOHO_ORG_ID: seed.orgId,
    HELPCENTER_IDS: hcs.join(','),
    HELPCENTER_TIMEOUT_MS: String(TIMEOUT_MS),
    REDELIVERY_DELAY_MS: kind === 'local' ? '200' : '1000',
    MAX_RECEIVE_COUNT: '4',
    MAX_IN_CALL_RETRIES: '2',
    GUARD_MAX_REQUESTS: '1000000',
    ...mode.env,
  });
  const service = await startLocalService(config, silentLogger);
  const faults = (body: unknown) =>
    fetch(`${sandbox.url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(body),
    }).then((r) => r.arrayBuffer());
  const depth = () => mode.depth(service.url);

  const random = prng(14);
  const kinds = [
    () => ({ status: 429, retryAfter: 1 }),
    () => ({ status: 429 }),
    () => ({ status: 500 }),
    () => ({ status: 503 }),
    () => ({ delayMs: TIMEOUT_MS + 500 }),
    () => ({ reset: true }),
  ];
  const injected = new Map<string, number>();
  const count = (name: string, times: number) =>
    injected.set(name, (injected.get(name) ?? 0) + times);
  // The sandbox applies the first queued fault that matches a call, in order. A random sequence of
  // pass-through stretches (a zero delay serves the call normally) and faults makes about one API
  // call in eight fail, in proportion to the traffic rather than the clock.
  const plan: unknown[] = [
    { pathPrefix: '/api/', status: 401, errorCode: 'INVALID_OAUTH', times: 1 },
    // An outage of the second help center's removals until the faults are cleared: its requests
    // use up every receive and land in the dead-letter file, to be redriven once it is over.
    { method: 'DELETE', pathPrefix: `/api/v1/helpcenter/${hcs[1]}/`, status: 503, times: 100_000 },
  ];
  count('401 once', 1);
  for (let calls = 0; calls < 6 * people; ) {
    const pass = 3 + Math.floor(random() * 12);
    plan.push({ pathPrefix: '/api/', delayMs: 0, times: pass });
    const fault = kinds[Math.floor(random() * kinds.length)]?.() ?? {};
    const times = 1 + Math.floor(random() * 2);
    plan.push({ ...fault, pathPrefix: '/api/', times });
    count(JSON.stringify(fault), times);
    calls += pass + times;
  }
  await faults(plan);

  const started = performance.now();
  const statuses = await sendAll(service.url, targets, 'a');
  const acceptedAt = performance.now();
  // Faults keep coming while most of the burst is worked off; then they are cleared.
  await waitFor(
    'most of the burst to be worked off',
    async () => (await depth()) < people / 5,
    600_000,
  );
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  await waitFor('the queue to drain', async () => (await depth()) === 0, 600_000);
  const drainedAt = performance.now();
  const dlqBefore = await mode.dlqRecords();
  const redriven = await mode.redrive(service.url);
  await waitFor('the redriven work to drain', async () => (await depth()) === 0, 600_000);
  const dlqAfter = await mode.dlqRecords();
  const s = await state(sandbox.url);
  const result = audit(seed, targets, s);
  const outageCalls = s.calls.filter(
    (c) =>
      c.method === 'DELETE' &&
      c.path.startsWith(`/api/v1/helpcenter/${hcs[1]}/`) &&
      c.status === 503,
  ).length;
  const apiCalls = s.calls.filter((c) => c.path.startsWith('/api/')).length;
  const failedCalls = s.calls.filter(
    (c) => c.path.startsWith('/api/') && (c.status === 0 || c.status >= 400),
  ).length;
  await service.close();
  await sandbox.close();
  await mode.close();

  const accounts = seed.users.length - BYSTANDERS;
  console.log(`\nFault matrix, ${mode.name} (sandbox faults at random, seed 14):`);
  console.log(
    `  people ${people} (${accounts} Help Center accounts in ${hcs.length} help centers) + ${BYSTANDERS} bystanders`,
  );
  console.log(
    `  ingest: ${statuses.length} Okta deliveries, ${statuses.filter((x) => x === 200).length} × 200, ${statuses.filter((x) => x >= 500).length} × 5xx in ${((acceptedAt - started) / 1000).toFixed(1)} s`,
  );
  console.log(
    `  Help Center API calls ${apiCalls}, of which failed by faults ${failedCalls}; 503s of the outage ${outageCalls}; random faults queued: ${[...injected.entries()].map(([k, v]) => `${k}×${v}`).join(', ')}`,
  );
  console.log(
    `  drained in ${((drainedAt - started) / 1000).toFixed(1)} s; DLQ before redrive: ${dlqBefore} records, ${redriven.duplicates} duplicates; redrive moved ${redriven.moved}, skipped ${redriven.skipped}; DLQ after: ${dlqAfter}`,
  );
  console.log(
    `  removed ${people - result.lost}/${people}  lost ${result.lost}  duplicate DLQ records ${redriven.duplicates}  bystanders touched ${result.bystandersTouched}  forbidden calls ${result.forbidden}`,
  );
  return (
    result.lost === 0 &&
    redriven.duplicates === 0 &&
    result.bystandersTouched === 0 &&
    result.forbidden === 0
  );
}

function startNpm(env: Record<string, string>) {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', GRAPH_STANDIN_PORT: '0', LOG_FORMAT: 'pretty', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (c) => {
    out += c.toString();
  });
  child.stderr?.on('data', (c) => {
    out += c.toString();
  });
  return { child, output: () => out };
}

async function serviceUrl(run: { child: ChildProcess; output: () => string }): Promise<string> {
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    const url = /Service\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(run.output())?.[1];
    if (url) return url;
    if (run.child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  throw new Error(`npm start did not come up:\n${run.output()}`);
}

async function killed(child: ChildProcess, signal: NodeJS.Signals): Promise<void> {
  const exited = new Promise((resolve) => child.once('exit', resolve));
  if (child.pid !== undefined) process.kill(-child.pid, signal);
  await exited;
}

async function sigkillMidBurst() {
  const { seed, targets, hcs } = await buildSeed(KILL_PEOPLE, 'kill');
  const sandbox = await startSandbox({ seed });
  const dataDir = await mkdtemp(join(tmpdir(), 'hcd-kill-bench-'));
  const env = {
    LOCAL_DATA_DIR: dataDir,
    HELPCENTER_BASE_URL: sandbox.url,
    ZOHO_ACCOUNTS_URL: sandbox.url,
    ZOHO_CLIENT_ID: seed.oauth.clientId,
    ZOHO_CLIENT_SECRET: seed.oauth.clientSecret,
    ZOHO_REFRESH_TOKEN: seed.oauth.refreshToken,
    ZOHO_ORG_ID: seed.orgId,
    HELPCENTER_IDS: hcs.join(','),
    GUARD_MAX_REQUESTS: '1000000',
  };
  await fetch(`${sandbox.url}/_sandbox/faults`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ method: 'DELETE', pathPrefix: '/api/', delayMs: 100, times: 100_000 }),
  });
  const first = startNpm(env);
  const statuses = await sendAll(await serviceUrl(first), targets, 'k');
  await killed(first.child, 'SIGKILL');
  const before = audit(seed, targets, await state(sandbox.url));
  await fetch(`${sandbox.url}/_sandbox/faults`, { method: 'DELETE' });
  const second = startNpm(env);
  await serviceUrl(second);
  let lost = before.lost;
  const deadline = Date.now() + 120_000;
  while (Date.now() < deadline) {
    lost = audit(seed, targets, await state(sandbox.url)).lost;
    if (lost === 0) break;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  await killed(second.child, 'SIGINT');
  await sandbox.close();
  await rm(dataDir, { recursive: true, force: true });
  console.log('\nSIGKILL mid-burst (npm start, external sandbox, same LOCAL_DATA_DIR on restart):');
  console.log(
    `  ${statuses.filter((x) => x === 200).length}/${statuses.length} deliveries answered 200 (${KILL_PEOPLE} people); SIGKILL right after; removed before the kill ${KILL_PEOPLE - before.lost}; after restart lost ${lost}`,
  );
  return lost === 0;
}

/** The `faults` section of `npm run bench`: whether nothing was lost, duplicated or forbidden. */
export async function faultMatrices(): Promise<boolean> {
  // Each check runs even when an earlier one failed: the numbers of all of them are wanted.
  const local = await faultMatrix(PEOPLE, 'local');
  let ok = (await sigkillMidBurst()) && local;
  if (process.env.AWS_ENDPOINT_URL) ok = (await faultMatrix(AWS_PEOPLE, 'aws')) && ok;
  else
    console.log(
      '\nFault matrix in real-service mode: skipped (set AWS_ENDPOINT_URL to a moto server)',
    );
  if (!ok) console.log('fault matrix: FAILED (see the numbers above)');
  return ok;
}
