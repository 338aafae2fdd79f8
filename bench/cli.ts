/**
 * Operator CLI timings for `npm run bench`: a 10,000-row identity import into the local identity
 * file, and a 1,000-record `dlq redrive` through a running `npm start`, both as an operator runs
 * them (the package's bin in a child process), with their progress output.
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { killGroup, startService, until } from '../test/e2e/service.ts';
import { runCli } from '../test/helpers/run-cli.ts';

const HC = ['7001000000000001', '7001000000000002'];

async function importTenThousand(): Promise<void> {
  const dir = await mkdtemp(join(tmpdir(), 'hcd-bench-cli-'));
  try {
    const rows = [`idpUserId,email,externalId,hc:${HC[0]},hc:${HC[1]}`];
    for (let i = 0; i < 10_000; i += 1) {
      const n = String(i).padStart(6, '0');
      rows.push(`00uBENCH${n},bench${n}@example.com,ext-${n},7001000001${n},7001000002${n}`);
    }
    const file = join(dir, 'people.csv');
    await writeFile(file, `${rows.join('\n')}\n`);
    const start = performance.now();
    // PORT 9 never answers HTTP: no runner owns the identity file.
    const out = await runCli(['identities', 'import', file], { LOCAL_DATA_DIR: dir, PORT: '9' });
    const elapsed = performance.now() - start;
    if (out.code !== 0) throw new Error(`import failed (${out.code}): ${out.stderr}${out.stdout}`);
    console.log(
      `  identities import, 10,000 CSV rows → local file: ${(elapsed / 1000).toFixed(2)} s (${(10_000 / (elapsed / 1000)).toFixed(0)} rows/s, whole command incl. node start)`,
    );
    console.log(
      `    progress: ${out.stderr
        .trim()
        .split('\n')
        .filter((l) => l.startsWith('import:'))
        .join(' | ')}`,
    );
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function redriveThousand(): Promise<void> {
  // Guard raised: 1,000 requests in a minute would (rightly) trip the default guard of 100.
  const running = await startService({ LOG_LEVEL: 'error', GUARD_MAX_REQUESTS: '100000' });
  try {
    const now = new Date().toISOString();
    const lines: string[] = [];
    for (let i = 0; i < 1_000; i += 1) {
      const record: DeadLetterRecord = {
        schemaVersion: 1,
        request: {
          schemaVersion: 1,
          requestId: `bench-redrive-${i}`,
          source: 'okta-event-hook',
          subject: { idpUserId: `00uREDRIVE${i}`, email: `nobody-${i}@example.com` },
          reason: 'user.lifecycle.deactivate',
          occurredAt: now,
          receivedAt: now,
        },
        failure: { kind: 'transient', message: 'bench: Help Center unavailable' },
        attempts: 5,
        firstAttemptAt: now,
        lastAttemptAt: now,
        correlationId: `bench-${i}`,
      };
      lines.push(JSON.stringify(record));
    }
    await writeFile(join(running.dataDir, 'dlq.jsonl'), `${lines.join('\n')}\n`);
    const env = { LOCAL_DATA_DIR: running.dataDir, PORT: new URL(running.url).port };
    const start = performance.now();
    const out = await runCli(['dlq', 'redrive', '--json'], env);
    const elapsed = performance.now() - start;
    if (out.code !== 0) throw new Error(`redrive failed (${out.code}): ${out.stderr}`);
    const moved = (JSON.parse(out.stdout) as { moved: number }).moved;
    console.log(
      `  dlq redrive, 1,000 records → npm start's queue: moved ${moved} in ${(elapsed / 1000).toFixed(2)} s (${(moved / (elapsed / 1000)).toFixed(0)} records/s, whole command)`,
    );
    const progress = out.stderr
      .trim()
      .split('\n')
      .filter((l) => l.startsWith('redrive:'));
    console.log(
      `    progress: ${progress.slice(0, 3).join(' | ')}${progress.length > 3 ? ` | … ${progress.at(-1)}` : ''}`,
    );
    await until(
      'the worker to finish the redriven requests',
      async () => {
        const res = await fetch(`${running.url}/healthz`);
        return ((await res.json()) as { queueDepth: number }).queueDepth === 0 ? true : undefined;
      },
      120_000,
    );
  } finally {
    killGroup(running.child, 'SIGKILL');
    await rm(running.dataDir, { recursive: true, force: true });
  }
}

/** Prints the CLI section of the benchmark. */
export async function cliBench(): Promise<void> {
  console.log('\nOperator CLI (child process, as an operator runs it):');
  await importTenThousand();
  await redriveThousand();
}

if (import.meta.url === `file://${process.argv[1]}`) await cliBench();
