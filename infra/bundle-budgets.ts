import * as path from 'node:path';
import { type BuildOptions, build, type Metafile } from 'esbuild';
import { BUNDLING, REPO_ROOT } from './constructs/service-function.ts';
import { FUNCTION_IDS, type FunctionId } from './function-env.ts';

/**
 * Size budget of each Lambda bundle (`index.mjs` as `cdk synth` builds it: minified, `@aws-sdk/*`
 * external, source map in its own file), in bytes (1 KB = 1000 B). Smaller bundles start faster;
 * the unit test `test/infra/bundle-budget.test.ts` fails when one grows past its budget.
 *
 * Each budget is the bundle's size when zod/mini replaced zod's classic API (December 2026) plus
 * about 10 % (`npm run bench -- bundles` prints the sizes), so CI notices growth long before a
 * bundle reaches its goal below. Raising one is a reviewed decision: say in the commit what grew
 * and why.
 */
export const BUNDLE_BUDGET_BYTES: Readonly<Record<FunctionId, number>> = {
  ingest: 150_000,
  worker: 230_000,
  'token-refresher': 90_000,
  redrive: 80_000,
  'eventbridge-ingest': 105_000,
  'graph-subscription': 90_000,
};

/**
 * Issue 13's size goals. `npm run bench` prints each bundle against its goal, with the budget above
 * alongside; the bundle-budget test checks that no budget is above its goal.
 */
export const BUNDLE_GOAL_BYTES: Readonly<Record<FunctionId, number>> = {
  ingest: 200_000,
  worker: 250_000,
  'token-refresher': 200_000,
  redrive: 200_000,
  'eventbridge-ingest': 200_000,
  'graph-subscription': 200_000,
};

/** The esbuild options NodejsFunction derives from `BUNDLING` (see aws-lambda-nodejs bundling). */
export function esbuildOptions(id: FunctionId): BuildOptions {
  return {
    entryPoints: [path.join(REPO_ROOT, 'functions', id, 'index.ts')],
    outfile: path.join(REPO_ROOT, 'cdk.out', 'bundle-budget', id, 'index.mjs'),
    absWorkingDir: REPO_ROOT,
    bundle: true,
    format: BUNDLING.format,
    target: BUNDLING.target,
    platform: BUNDLING.platform,
    mainFields: [...BUNDLING.mainFields],
    minify: BUNDLING.minify,
    sourcemap: BUNDLING.sourceMap,
    sourcesContent: BUNDLING.sourcesContent,
    banner: { js: BUNDLING.banner },
    external: [...BUNDLING.externalModules],
    // NodejsFunction passes these as `--alias:<package>=<loader>`.
    alias: Object.fromEntries(
      BUNDLING.esbuildArgs['--alias'].map((arg) => arg.split('=') as [string, string]),
    ),
    metafile: true,
    logLevel: 'silent',
  };
}

export interface BuiltBundle {
  id: FunctionId;
  bytes: number;
  budget: number;
  code: Uint8Array;
  /** Bytes in the bundle per npm package (`(own code)` for this repository's files). */
  byPackage: Record<string, number>;
}

function packageOf(input: string): string {
  const match = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(input);
  return match?.[1] ?? '(own code)';
}

/** Builds one function's bundle in memory (nothing written). */
export async function buildBundle(id: FunctionId): Promise<BuiltBundle> {
  const result = await build({ ...esbuildOptions(id), write: false });
  const js = result.outputFiles.find((f) => f.path.endsWith('.mjs'));
  if (!js) throw new Error(`esbuild produced no index.mjs for ${id}`);
  const output = Object.entries((result.metafile as Metafile).outputs).find(([name]) =>
    name.endsWith('.mjs'),
  )?.[1];
  const byPackage: Record<string, number> = {};
  for (const [input, { bytesInOutput }] of Object.entries(output?.inputs ?? {})) {
    const name = packageOf(input);
    byPackage[name] = (byPackage[name] ?? 0) + bytesInOutput;
  }
  return {
    id,
    bytes: js.contents.byteLength,
    budget: BUNDLE_BUDGET_BYTES[id],
    code: js.contents,
    byPackage,
  };
}

export const BUNDLED_FUNCTIONS: readonly FunctionId[] = FUNCTION_IDS;
