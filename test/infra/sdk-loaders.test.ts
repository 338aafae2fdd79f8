import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.ts';
import { BUNDLED_FUNCTIONS, buildBundle } from '../../infra/bundle-budgets.ts';
import { BUNDLING, SDK_LOADER_DIR } from '../../infra/constructs/service-function.ts';

const ROOT = path.resolve(import.meta.dirname, '..', '..');

/**
 * The shape we deploy: `cdk synth` with bundling on (NodejsFunction running esbuild, as
 * `npm run synth` does), then every function's bundle read from the cloud assembly.
 */
const outdir = mkdtempSync(path.join(tmpdir(), 'sdk-loaders-'));
const { app } = buildApp({
  outdir,
  context: { stage: 'test', stages: { test: { graph: { subscriptionEnabled: true } } } },
});
app.synth();
const synthesized = readdirSync(outdir)
  .filter((name) => name.startsWith('asset.') && existsSync(path.join(outdir, name, 'index.mjs')))
  .map((name) => readFileSync(path.join(outdir, name, 'index.mjs'), 'utf8'));
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

/** How a bundle loads each AWS SDK package: ESM imports (static, dynamic, bare), and require calls. */
function sdkLoads(code: string) {
  const names = (re: RegExp) => [...new Set([...code.matchAll(re)].map((m) => m[1] as string))];
  return {
    imports: names(/(?:from\s*|import\(\s*|import\s*)["'](@aws-sdk\/[\w-]+)["']/g).sort(),
    requires: names(/\(\s*"(@aws-sdk\/[\w-]+)"\s*\)/g).sort(),
  };
}

const LOADED_PACKAGES = readdirSync(path.join(ROOT, SDK_LOADER_DIR))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => `@aws-sdk/${f.slice(0, -3)}`);

describe('AWS SDK loaders in the synthesized bundles', () => {
  it('gives NodejsFunction an esbuild alias from every SDK package with a loader to that loader', () => {
    expect([...BUNDLING.esbuildArgs['--alias']].sort()).toEqual(
      LOADED_PACKAGES.map(
        (pkg) => `${pkg}=./${SDK_LOADER_DIR}/${pkg.slice('@aws-sdk/'.length)}.ts`,
      ).sort(),
    );
  });

  it('has no ESM import of an @aws-sdk package in any function bundle, Powertools included', () => {
    expect(synthesized).toHaveLength(BUNDLED_FUNCTIONS.length);
    for (const code of synthesized) {
      const { imports, requires } = sdkLoads(code);
      expect(imports).toEqual([]);
      expect(requires.length).toBeGreaterThan(0);
      // Every package a bundle requires has a loader (who calls require is the import-boundary test's).
      expect(requires.filter((pkg) => !LOADED_PACKAGES.includes(pkg))).toEqual([]);
    }
  });

  it("loads the worker's DynamoDB packages, Powertools idempotency's among them, with require", () => {
    // Only the worker bundles Powertools' DynamoDB persistence layer (util-dynamodb is its).
    const worker = synthesized
      .map(sdkLoads)
      .filter((l) => l.requires.includes('@aws-sdk/util-dynamodb'));
    expect(worker).toHaveLength(1);
    expect(worker[0]?.requires).toEqual([
      '@aws-sdk/client-dynamodb',
      '@aws-sdk/client-lambda',
      '@aws-sdk/client-secrets-manager',
      '@aws-sdk/client-sqs',
      '@aws-sdk/lib-dynamodb',
      '@aws-sdk/util-dynamodb',
    ]);
  });

  it('loads the SDK as the bundles the size budgets and `npm run bench` build do (infra/bundle-budgets.ts)', async () => {
    const decoder = new TextDecoder();
    const built = await Promise.all(BUNDLED_FUNCTIONS.map((id) => buildBundle(id)));
    const loads = (codes: string[]) => codes.map((c) => JSON.stringify(sdkLoads(c))).sort();
    expect(loads(built.map((b) => decoder.decode(b.code)))).toEqual(loads(synthesized));
  });
});
