import { readdirSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';

const LOADERS = path.resolve(
  import.meta.dirname,
  '..',
  '..',
  '..',
  '..',
  'functions/core/adapters/aws/sdk',
);
const files = readdirSync(LOADERS).filter((f) => f.endsWith('.ts'));

/**
 * Each loader (`adapters/aws/sdk/<package>.ts`) loads its package with `require`. What it exports
 * must be the package's own objects, the same ones an `import` of the package gives: so
 * `instanceof` on SDK errors holds and a client built from either is one class.
 */
describe('AWS SDK loaders', () => {
  it.each(files)(
    '%s exports the package’s own classes and functions, none missing',
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
