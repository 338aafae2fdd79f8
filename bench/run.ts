/**
 * `npm run bench`: every row of the "small and fast" table against its baseline, measured in this
 * one run on this machine (shared and noisy: read the ratios, and the load printed with them).
 * Numbers quoted in notes and the README come from here, never from tests.
 *
 *   npm run bench                      # everything (about 10 minutes on 2 cores)
 *   npm run bench -- drain burst       # only some sections:
 *                                      # transport bundles cold ack drain burst cli store faults
 *
 * A row that misses its goal prints MISSED and does not fail the run: the numbers are for people
 * to read. The fault matrix (`faults`) is a check: anything lost, duplicated or forbidden makes
 * the run exit 1.
 */
import { bundleSizes } from './bundles.ts';
import { coldImports } from './cold-import.ts';
import { bigBurst, drainRows } from './drain.ts';
import { ingestAck } from './ingest-ack.ts';
import { machineLine } from './stats.ts';
import { transportChoice } from './transport.ts';

const SECTIONS: Record<string, () => Promise<unknown>> = {
  transport: () => transportChoice(),
  bundles: () => bundleSizes(),
  cold: async () => {
    // Cold imports run the bundles the bundles section writes.
    if (!wanted.has('bundles')) await bundleSizes();
    await coldImports(15);
  },
  ack: () => ingestAck(5, 60),
  drain: () => drainRows(3),
  burst: () => bigBurst(10_000),
  cli: async () => (await import('./cli.ts')).cliBench(),
  store: async () => (await import('./identity-file.ts')).identityFileBench(),
  faults: async () => {
    if (!(await (await import('./fault-matrix.ts')).faultMatrices())) process.exitCode = 1;
  },
};

const asked = process.argv.slice(2).filter((a) => a !== '--');
const unknown = asked.filter((a) => !Object.hasOwn(SECTIONS, a));
if (unknown.length > 0) {
  console.error(
    `unknown section(s) ${unknown.join(', ')}; known: ${Object.keys(SECTIONS).join(' ')}`,
  );
  process.exit(2);
}
const wanted = new Set(asked.length > 0 ? asked : Object.keys(SECTIONS));

console.log(`machine: ${machineLine()}`);
console.log(
  '  row                                              measured  baseline                           goal       verdict',
);
const started = Date.now();
for (const [name, section] of Object.entries(SECTIONS)) {
  if (!wanted.has(name)) continue;
  await section();
}
console.log(
  `\nmachine after: ${machineLine()}; bench took ${((Date.now() - started) / 1000).toFixed(0)} s`,
);
