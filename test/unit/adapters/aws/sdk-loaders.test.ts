import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { SDK_LOADER_DIR } from '../../../../infra/constructs/service-function.ts';

const LOADERS = path.resolve(import.meta.dirname, '..', '..', '..', '..', SDK_LOADER_DIR);
const files = readdirSync(LOADERS).filter((f) => f.endsWith('.ts'));

/**
 * Each loader (`adapters/aws/sdk/<package>.ts`) loads the package it is named after with
 * `require`, and exports the package's own objects, the same ones an `import` of the package
 * gives: so `instanceof` on SDK errors holds and a client built from either is one class.
 */
describe('AWS SDK loaders', () => {
  it('has the loaders of the six packages the functions and Powertools use', () => {
    expect(files.sort()).toEqual([
      'client-dynamodb.ts',
      'client-lambda.ts',
      'client-secrets-manager.ts',
      'client-sqs.ts',
      'lib-dynamodb.ts',
      'util-dynamodb.ts',
    ]);
  });

  it.each(files)(
    '%s requires the package it is named after, and imports it for types only',
    (file) => {
      const code = readFileSync(path.join(LOADERS, file), 'utf8');
      const pkg = `@aws-sdk/${file.slice(0, -3)}`;
      // Every call, however it is quoted or wrapped, names this package; there is one.
      expect(code.match(/\brequireSdk\s*\(/g)).toHaveLength(1);
      expect(
        [...code.matchAll(/\brequireSdk\s*\(\s*(['"`])([^'"`]+)\1\s*\)/g)].map((m) => m[2]),
      ).toEqual([pkg]);
      expect(code).not.toMatch(/^export\b[^;]*?\sfrom\s/ms);
      const imports = [...code.matchAll(/^import (type )?[^;]*? from '([^']+)';$/gms)];
      expect(imports.map((m) => [m[2], m[1] === 'type ' ? 'type' : 'value'])).toEqual([
        [pkg, 'type'],
        ['#core/adapters/aws/require-sdk.ts', 'value'],
      ]);
    },
  );

  it.each(files)(
    '%s exports the package’s own classes and functions, nothing undefined',
    async (file) => {
      const loader: Record<string, unknown> = await import(path.join(LOADERS, file));
      const sdk: Record<string, unknown> = await import(`@aws-sdk/${file.slice(0, -3)}`);
      const names = Object.keys(loader);
      expect(names.length).toBeGreaterThan(0);
      for (const name of names) {
        expect(loader[name], name).toBeTypeOf('function');
        expect(loader[name], name).toBe(sdk[name]);
      }
    },
  );
});
