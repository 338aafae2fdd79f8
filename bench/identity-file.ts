import { mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { FileIdentityStore } from '../local/adapters/file-identity-store.ts';
import { identityRecord } from '../test/helpers/identity-record.ts';
import { BENCH_DIR } from './bundles.ts';
import { fmtMs, fmtX, median } from './stats.ts';

function record(i: number): IdentityRecord {
  const id = `00ubench${String(i).padStart(6, '0')}`;
  return identityRecord(id, {
    helpCenterUserIds: { '7001000000000001': String(7001000000100000 + i) },
  });
}

/**
 * The local runner's identity file under a burst of writes: `people` concurrent creates (what the
 * worker's link write-backs do for a burst of people not linked yet) against one hand-written
 * rewrite of the same records (the least any file-backed store must do); median of `runs`.
 */
export async function identityFileBench(people = 5_000, runs = 3): Promise<void> {
  const dir = join(BENCH_DIR, 'identity-file');
  const records = Array.from({ length: people }, (_, i) => record(i));
  const ours: number[] = [];
  const once: number[] = [];
  for (let run = 0; run < runs; run += 1) {
    await rm(dir, { recursive: true, force: true });
    const store = await FileIdentityStore.open(join(dir, 'identities.json'));
    let started = performance.now();
    await Promise.all(records.map((r) => store.create(r)));
    ours.push(performance.now() - started);

    started = performance.now();
    await mkdir(dir, { recursive: true });
    const path = join(dir, 'once.json');
    await writeFile(`${path}.tmp`, `${JSON.stringify({ records }, null, 2)}\n`, 'utf8');
    await rename(`${path}.tmp`, path);
    once.push(performance.now() - started);
  }
  await rm(dir, { recursive: true, force: true });
  console.log(`\nLocal identity file (in process, median of ${runs}):`);
  console.log(
    `  ${people.toLocaleString('en')} concurrent creates: ${fmtMs(median(ours))}, ` +
      `${fmtX(median(ours) / median(once))} one rewrite of the same records (${fmtMs(median(once))}); ` +
      'info, no goal',
  );
}
