import { spawn } from 'node:child_process';
import { mkdir, writeFile } from 'node:fs/promises';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';
import { esbuildOptions } from '../infra/bundle-budgets.ts';
import { BENCH_DIR } from './bundles.ts';
import { fmtKB, fmtMs, median, percentile } from './stats.ts';

/** The same GET three ways; each file is bundled like a function and run in its own process. */
const CLIENTS: Record<string, string> = {
  'undici package': `
import { Agent } from 'undici';
const agent = new Agent({ connections: 5, keepAliveTimeout: 30000, headersTimeout: 5000, bodyTimeout: 5000 });
export async function get(origin) {
  const r = await agent.request({ origin, path: '/x', method: 'GET', signal: AbortSignal.timeout(5000) });
  return r.body.text();
}`,
  'global fetch': `
export async function get(origin) {
  const r = await fetch(origin + '/x', { signal: AbortSignal.timeout(5000) });
  return r.text();
}`,
  'node:http transport (ours)': `
import { exchange, HttpTransport } from '#core/adapters/http/transport.ts';
const transport = new HttpTransport({ connections: 5, timeoutMs: 5000 });
export async function get(origin) {
  return (await exchange(transport, 'bench', { origin, path: '/x', method: 'GET' }, { timeoutMs: 5000 })).text;
}`,
};

async function bundleClient(name: string, source: string) {
  const dir = join(BENCH_DIR, 'transport', name.replace(/[^a-z]+/gi, '-'));
  await mkdir(dir, { recursive: true });
  const entry = join(dir, 'entry.ts');
  await writeFile(entry, source);
  const outfile = join(dir, 'client.mjs');
  const result = await build({
    entryPoints: [entry],
    outfile,
    bundle: true,
    minify: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    absWorkingDir: join(import.meta.dirname, '..'),
    write: true,
    metafile: true,
    logLevel: 'silent',
    banner: esbuildOptions('worker').banner,
  });
  const bytes = Object.values(result.metafile.outputs).reduce((s, o) => s + o.bytes, 0);
  return { outfile, bytes };
}

function coldFirstCall(file: string, origin: string): Promise<number> {
  const started = performance.now();
  const child = spawn(
    process.execPath,
    [
      '--input-type=module',
      '-e',
      `const m = await import(${JSON.stringify(pathToFileURL(file).href)}); await m.get(${JSON.stringify(origin)}); process.exit(0);`,
    ],
    { stdio: 'ignore' },
  );
  return new Promise((resolve, reject) =>
    child.on('exit', (code) =>
      code === 0 ? resolve(performance.now() - started) : reject(new Error(`${file}: ${code}`)),
    ),
  );
}

/** Why the transport is node:http: size, cold first call, warm calls at concurrency 5 (loopback). */
export async function transportChoice(calls = 3000, coldRuns = 5) {
  const server = createServer((_req, res) => {
    setImmediate(() => {
      res.setHeader('content-type', 'application/json');
      res.end('{"data":[{"id":"1","emailId":"a@example.com"}]}');
    });
  });
  server.keepAliveTimeout = 60_000;
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  console.log(
    `\nHTTP transport choice (loopback; cold = new process, import + first call, median of ${coldRuns}; warm = ${calls} calls at concurrency 5):`,
  );
  try {
    const built: Record<string, { outfile: string; bytes: number }> = {};
    for (const [name, source] of Object.entries(CLIENTS))
      built[name] = await bundleClient(name, source);
    const cold: Record<string, number[]> = {};
    for (let i = 0; i < coldRuns; i += 1) {
      for (const name of Object.keys(CLIENTS)) {
        const runs = cold[name] ?? [];
        runs.push(await coldFirstCall(built[name]!.outfile, origin));
        cold[name] = runs;
      }
    }
    for (const name of Object.keys(CLIENTS)) {
      const client = (await import(pathToFileURL(built[name]!.outfile).href)) as {
        get: (origin: string) => Promise<string>;
      };
      for (let i = 0; i < 200; i += 1) await client.get(origin);
      const samples: number[] = [];
      let left = calls;
      const started = performance.now();
      await Promise.all(
        Array.from({ length: 5 }, async () => {
          while (left > 0) {
            left -= 1;
            const t = performance.now();
            await client.get(origin);
            samples.push(performance.now() - t);
          }
        }),
      );
      const perSecond = (calls / (performance.now() - started)) * 1000;
      console.log(
        `  ${name.padEnd(28)} bundle ${fmtKB(built[name]!.bytes).padStart(9)}  cold ${fmtMs(median(cold[name]!)).padStart(9)}  ` +
          `warm ${perSecond.toFixed(0).padStart(6)}/s  p50 ${fmtMs(percentile(samples, 0.5))}  p99 ${fmtMs(percentile(samples, 0.99))}`,
      );
    }
  } finally {
    server.closeAllConnections();
    server.close();
  }
}
