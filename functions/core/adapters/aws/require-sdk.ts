import { createRequire } from 'node:module';

/**
 * Loads an AWS SDK package with `require`, never with `import`. The SDK is CommonJS: an ESM
 * `import` of it goes through Node's ESM loader, which wraps each CommonJS file it reaches as a
 * module and first scans the file's whole source for its export names (cjs-module-lexer). On
 * Node 20 that is about a third of a cold start (`npm run bench -- cold`: the peer's CPU time with
 * imports and with these loaders); module-format detection is not the cost, turning it off changes
 * nothing. `require` loads the same files with none of that, and shares Node's module cache with
 * any `import` of them, so classes and `instanceof` are the same either way.
 *
 * `adapters/aws/sdk/<package>.ts` are the only callers: one file per package, named after it, so
 * each package still loads only when a function first needs it. The Lambda bundles alias every
 * `@aws-sdk/<package>` import to that file (`infra/constructs/service-function.ts`), which also
 * covers the SDK imports inside bundled libraries (Powertools idempotency's DynamoDB layer).
 *
 * Resolved from the bundle's folder; on Lambda the runtime's SDK is found through `NODE_PATH`.
 */
export const requireSdk: NodeJS.Require = createRequire(import.meta.url);
