import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { buildApp } from '../../infra/build-app.ts';
import { SDK_ALIASES, SDK_LOADER_DIR } from '../../infra/constructs/service-function.ts';

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
const bundles = readdirSync(outdir)
  .filter((name) => name.startsWith('asset.') && existsSync(path.join(outdir, name, 'index.mjs')))
  .map((name) => readFileSync(path.join(outdir, name, 'index.mjs'), 'utf8'));

/** How a bundle loads each AWS SDK package: ESM imports (static or dynamic), and require calls. */
function sdkLoads(code: string) {
  const names = (re: RegExp) => [...new Set([...code.matchAll(re)].map((m) => m[1] as string))];
  return {
    imports: names(/(?:from\s*|import\(\s*)["'](@aws-sdk\/[\w-]+)["']/g),
    requires: names(/\(\s*"(@aws-sdk\/[\w-]+)"\s*\)/g).sort(),
  };
}
afterAll(() => rmSync(outdir, { recursive: true, force: true }));

describe('AWS SDK loaders in the synthesized bundles', () => {
  it('aliases every loader file to the package it is named after', () => {
    const loaders = readdirSync(path.join(ROOT, SDK_LOADER_DIR)).filter((f) => f.endsWith('.ts'));
    expect(loaders.length).toBeGreaterThanOrEqual(6);
    expect(SDK_ALIASES).toEqual(
      Object.fromEntries(
        loaders.map((f) => [`@aws-sdk/${f.slice(0, -3)}`, `./${SDK_LOADER_DIR}/${f}`]),
      ),
    );
  });

  it('has no ESM import of an @aws-sdk package in any function bundle, Powertools included', () => {
    expect(bundles.length).toBe(6);
    for (const code of bundles) {
      const { imports, requires } = sdkLoads(code);
      expect(imports).toEqual([]);
      expect(requires.length).toBeGreaterThan(0);
    }
  });

  it("loads the worker's DynamoDB packages, Powertools idempotency's among them, with require", () => {
    // Only the worker bundles Powertools' DynamoDB persistence layer (util-dynamodb is its).
    const worker = bundles
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
});
