import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runToExit } from './service.ts';

describe('npm start with unusable files', () => {
  let dir: string;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcd-files-'));
    await writeFile(join(dir, 'not-json.json'), '{"orgId": ');
    await writeFile(join(dir, 'bad-seed.json'), JSON.stringify({ orgId: '1', helpCenters: [] }));
    await writeFile(join(dir, 'a-file'), 'not a directory');
  });
  afterAll(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  it.each([
    [
      'a missing SANDBOX_SEED',
      { SANDBOX_SEED: 'no/such/seed.json' },
      'SANDBOX_SEED',
      /no such file/,
    ],
    ['a SANDBOX_SEED that is not JSON', { SANDBOX_SEED: 'not-json.json' }, 'SANDBOX_SEED', /JSON/],
    ['an invalid SANDBOX_SEED', { SANDBOX_SEED: 'bad-seed.json' }, 'SANDBOX_SEED', /helpCenters/],
    ['a LOCAL_DATA_DIR that is a file', { LOCAL_DATA_DIR: 'a-file' }, 'LOCAL_DATA_DIR', /a file/],
  ])('exits 2 naming the variable for %s', async (_, vars, name, why) => {
    const env = Object.fromEntries(
      Object.entries(vars).map(([k, v]) => [k, v.includes('/') ? v : join(dir, v)]),
    );
    const { code, output } = await runToExit({ LOCAL_DATA_DIR: join(dir, 'data'), ...env });
    expect(code).toBe(2);
    expect(output).toContain(name);
    expect(output).toMatch(why);
    expect(output).not.toMatch(/Service\s+http/);
    expect(output).not.toMatch(/\n\s+at /);
  });
});
