import { mkdir, writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { build } from 'esbuild';
import {
  BUNDLE_BUDGET_BYTES,
  BUNDLE_GOAL_BYTES,
  BUNDLED_FUNCTIONS,
  type BuiltBundle,
  buildBundle,
  esbuildOptions,
} from '../infra/bundle-budgets.ts';
import { fmtKB, row } from './stats.ts';

export const BENCH_DIR = join(import.meta.dirname, '..', '.local', 'bench');

/** Where a function's bundle is written for the cold-import runs (under the repo: @aws-sdk resolves). */
export const bundlePath = (id: string) => join(BENCH_DIR, 'bundles', id, 'index.mjs');

/** Bundles every function as `cdk synth` does, writes them for the cold-import runs, prints sizes. */
export async function bundleSizes(): Promise<BuiltBundle[]> {
  const bundles: BuiltBundle[] = [];
  console.log(
    '\nBundles (esbuild as NodejsFunction runs it: minified, @aws-sdk/* external; goal from issue 13, CI budget alongside):',
  );
  for (const id of BUNDLED_FUNCTIONS) {
    const bundle = await buildBundle(id);
    bundles.push(bundle);
    await mkdir(join(BENCH_DIR, 'bundles', id), { recursive: true });
    await writeFile(bundlePath(id), bundle.code);
    const top = Object.entries(bundle.byPackage)
      .sort((a, b) => b[1] - a[1])
      .slice(0, 3)
      .map(([name, bytes]) => `${name} ${fmtKB(bytes)}`)
      .join(', ');
    row(
      `${id} bundle`,
      fmtKB(bundle.bytes),
      `budget ${fmtKB(BUNDLE_BUDGET_BYTES[id])}`,
      `≤ ${fmtKB(BUNDLE_GOAL_BYTES[id])}`,
      bundle.bytes <= BUNDLE_GOAL_BYTES[id],
    );
    console.log(`  ${''.padEnd(44)} largest: ${top}`);
  }
  return bundles;
}

/**
 * Bundles a bench-only entry (the hand-written peer) with the functions' esbuild options; without
 * `sdkLoaders` its `@aws-sdk` imports stay ESM imports, as a peer written the short way ships them.
 */
export async function bundlePeer(
  entry: string,
  name: string,
  { sdkLoaders }: { sdkLoaders: boolean },
): Promise<{ path: string; bytes: number }> {
  const options = esbuildOptions('ingest');
  const outfile = join(BENCH_DIR, 'bundles', name, 'index.mjs');
  const result = await build({
    ...options,
    ...(sdkLoaders ? {} : { alias: {} }),
    entryPoints: [entry],
    outfile,
    write: false,
    metafile: false,
  });
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'))!;
  await mkdir(join(BENCH_DIR, 'bundles', name), { recursive: true });
  await writeFile(outfile, js.contents);
  return { path: outfile, bytes: js.contents.byteLength };
}
