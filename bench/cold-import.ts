import { spawn } from 'node:child_process';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { type FunctionId, requiredEnv } from '../infra/function-env.ts';
import { bundlePath, bundlePeer } from './bundles.ts';
import { fmtMs, fmtX, median, row } from './stats.ts';

/** One JSON for every secret id: the union of the webhook, OAuth and token secrets' keys. */
const SECRET = JSON.stringify({
  oktaAuthorization: 'bench',
  scimBearerToken: 'bench',
  graphClientState: 'bench',
  webhookSigningSecret: 'whsec_YmVuY2g=',
  clientId: 'bench',
  clientSecret: 'bench',
  refreshToken: 'bench',
  orgId: '123456',
  helpCenterIds: ['7001000000000001'],
  accessToken: 'bench',
  expiresAt: '2099-01-01T00:00:00.000Z',
});

/** A loopback stand-in for the AWS endpoints a function calls while it starts (Secrets Manager). */
async function fakeAws() {
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      res.setHeader('content-type', 'application/x-amz-json-1.1');
      if (target === 'secretsmanager.GetSecretValue') {
        const { SecretId } = JSON.parse(Buffer.concat(chunks).toString() || '{}');
        res.end(
          JSON.stringify({ ARN: SecretId, Name: SecretId, SecretString: SECRET, VersionId: 'v1' }),
        );
        return;
      }
      res.statusCode = 400;
      res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return { url, close: () => new Promise((r) => server.close(r)) };
}

const VALUES: Record<string, string> = {
  WORK_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/work',
  DEAD_LETTER_QUEUE_URL: 'https://sqs.us-east-1.amazonaws.com/123456789012/dlq',
  GRAPH_BASE_URL: 'https://graph.microsoft.com/v1.0',
  GRAPH_LOGIN_URL: 'https://login.microsoftonline.com',
  GRAPH_NOTIFICATION_URL: 'https://example.com/webhooks/graph',
  OKTA_DEPROVISION_EVENT_TYPES: 'user.lifecycle.deactivate',
  MAX_BODY_BYTES: '262144',
  LOG_LEVEL: 'ERROR',
  STAGE: 'bench',
  SERVICE_NAME: 'helpcenter-deprovisioner',
};

function envFor(id: FunctionId, awsUrl: string): Record<string, string> {
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    AWS_ENDPOINT_URL: awsUrl,
    AWS_REGION: 'us-east-1',
    AWS_ACCESS_KEY_ID: 'testing',
    AWS_SECRET_ACCESS_KEY: 'testing',
    POWERTOOLS_METRICS_NAMESPACE: 'Bench',
    WORK_QUEUE_URL: VALUES.WORK_QUEUE_URL!,
    WEBHOOK_SECRET_ARN: 'webhook',
  };
  for (const name of requiredEnv(id)) {
    const value =
      VALUES[name] ?? (/_(ARN|NAME)$/.test(name) ? `bench-${name.toLowerCase()}` : undefined);
    // Numbers and flags keep the function's own defaults.
    if (value !== undefined) env[name] = value;
  }
  return env;
}

interface ColdRun {
  /** Wall time of the whole process, spawn to exit. */
  wallMs: number;
  /** CPU time (user + system) the process used: less sensitive to a busy machine than wall time. */
  cpuMs: number;
}

/** A whole `node -e "await import(bundle)"` process; throws when it failed. */
function coldImport(path: string, env: Record<string, string>): Promise<ColdRun> {
  const started = performance.now();
  const script =
    `await import(${JSON.stringify(pathToFileURL(path).href)});` +
    'const u = process.cpuUsage(); process.stdout.write(String((u.user + u.system) / 1000));';
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c: Buffer) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c: Buffer) => {
    stderr += c.toString();
  });
  return new Promise((resolve, reject) =>
    child.on('exit', (code) => {
      const wallMs = performance.now() - started;
      const cpuMs = Number(/([\d.]+)$/.exec(stdout)?.[1]);
      if (code === 0 && Number.isFinite(cpuMs)) resolve({ wallMs, cpuMs });
      else reject(new Error(`cold import of ${path} exited ${code}: ${stderr.slice(-600)}`));
    }),
  );
}

/**
 * Cold import of each function's bundle against the hand-written peer, interleaved run by run so
 * that the machine's load hits both alike; medians of `runs`.
 */
export async function coldImports(runs = 7) {
  const aws = await fakeAws();
  try {
    const entry = join(import.meta.dirname, 'peer', 'okta-ingest.ts');
    // The baseline: the peer as written, its SDK imports left as ESM imports.
    const peer = await bundlePeer(entry, 'peer-okta-ingest', { sdkLoaders: false });
    // The same peer bundled through the functions' SDK loaders (require): what is left between
    // the two is the functions' own code, not how the SDK is loaded.
    const peerRequire = await bundlePeer(entry, 'peer-okta-ingest-require', { sdkLoaders: true });
    const ids: FunctionId[] = ['ingest', 'worker', 'token-refresher'];
    const samples: Record<string, ColdRun[]> = { peer: [], peerRequire: [], node: [] };
    for (const id of ids) samples[id] = [];
    const peerEnv = envFor('ingest', aws.url);
    for (let i = 0; i < runs; i += 1) {
      samples.node!.push(await coldImport(join(import.meta.dirname, 'empty.mjs'), peerEnv));
      samples.peer!.push(await coldImport(peer.path, peerEnv));
      samples.peerRequire!.push(await coldImport(peerRequire.path, peerEnv));
      for (const id of ids)
        samples[id]!.push(await coldImport(bundlePath(id), envFor(id, aws.url)));
    }
    const cpu = (k: string) => median(samples[k]!.map((r) => r.cpuMs));
    const wall = (k: string) => median(samples[k]!.map((r) => r.wallMs));
    console.log(
      `\nCold import, whole process \`node -e "await import(bundle)"\` incl. start-up secret reads (medians of ${runs}, interleaved; ratio on CPU time, wall time alongside):`,
    );
    console.log(
      `  peer = hand-written Okta ingest, same SDK clients (SQS, Secrets Manager, DynamoDB), its SDK imports left as ESM imports, ${(peer.bytes / 1000).toFixed(1)} KB: ` +
        `CPU ${fmtMs(cpu('peer'))}, wall ${fmtMs(wall('peer'))}; empty node process CPU ${fmtMs(cpu('node'))}, wall ${fmtMs(wall('node'))}`,
    );
    for (const id of ids) {
      const ratio = cpu(id) / cpu('peer');
      row(
        `cold import ${id} vs peer`,
        fmtX(ratio),
        `CPU ${fmtMs(cpu(id))}, wall ${fmtX(wall(id) / wall('peer'))}`,
        '≤ 1.00×',
        ratio <= 1.0,
      );
    }
    console.log(
      `  same peer bundled through the functions' SDK loaders (require, not import): CPU ${fmtMs(cpu('peerRequire'))} ` +
        `(${fmtX(cpu('peerRequire') / cpu('peer'))} the peer). The functions against it (info, no goal: what is left is their own code):`,
    );
    for (const id of ids) {
      console.log(
        `    ${id.padEnd(16)} ${fmtX(cpu(id) / cpu('peerRequire'))} (CPU ${fmtMs(cpu(id))} vs ${fmtMs(cpu('peerRequire'))})`,
      );
    }
  } finally {
    await aws.close();
  }
}
