import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';
import config from '../../../vitest.config.ts';

const ROOT = join(import.meta.dirname, '../../..');
const NO_EXTERNAL_SERVICE = ['unit', 'sandbox', 'e2e', 'infra'];

interface Project {
  test: { name: string; include: string[] };
}
const projects = (config.test?.projects ?? []) as Project[];

function testFiles(dir: string): string[] {
  return readdirSync(join(ROOT, dir), { withFileTypes: true }).flatMap((entry) => {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) return testFiles(path);
    return entry.name.endsWith('.test.ts') ? [path] : [];
  });
}

/** `test/<dir>/**\/*.test.ts` → matches files under `test/<dir>/`. */
function matches(include: string, file: string): boolean {
  const prefix = /^(.*)\/\*\*\/\*\.test\.ts$/.exec(include)?.[1];
  if (prefix === undefined) throw new Error(`unexpected include pattern ${include}`);
  return file.startsWith(`${prefix}/`);
}

describe('vitest projects', () => {
  it('puts every test file in exactly one project, each project named for its folder', () => {
    const files = testFiles('test').map((f) => relative('.', f));
    expect(files.length).toBeGreaterThan(0);
    for (const file of files) {
      const owners = projects.filter((p) => p.test.include.some((i) => matches(i, file)));
      expect({ file, owners: owners.map((p) => p.test.name) }).toEqual({
        file,
        owners: [file.split('/')[1]],
      });
    }
  });

  it('runs every project without an external service from `npm test`, and each from its own script', () => {
    const scripts = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')).scripts as Record<
      string,
      string
    >;
    expect(scripts.test).toBe(
      `vitest run ${NO_EXTERNAL_SERVICE.map((name) => `--project ${name}`).join(' ')}`,
    );
    for (const { test } of projects) {
      expect(scripts[`test:${test.name}`]).toBe(`vitest run --project ${test.name}`);
    }
  });

  it('has CI run and count every project', () => {
    const ci = readFileSync(join(ROOT, '.ci/run'), 'utf8');
    const listed = /^PROJECTS=\(([^)]*)\)$/m.exec(ci)?.[1]?.split(/\s+/);
    expect(listed?.sort()).toEqual(projects.map((p) => p.test.name).sort());
  });
});
