import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { type AddressInfo, createServer, type Server } from 'node:net';
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

describe('npm start with a busy port', () => {
  let busy: Server;
  let port: number;

  beforeAll(async () => {
    busy = createServer();
    await new Promise<void>((resolve) => busy.listen(0, '127.0.0.1', resolve));
    port = (busy.address() as AddressInfo).port;
  });
  afterAll(async () => {
    await new Promise((resolve) => busy.close(resolve));
  });

  it.each(['PORT', 'SANDBOX_PORT', 'GRAPH_STANDIN_PORT'])(
    'exits 2 naming %s when its port is taken',
    async (variable) => {
      const dir = await mkdtemp(join(tmpdir(), 'hcd-port-'));
      try {
        const { code, output } = await runToExit({
          LOCAL_DATA_DIR: join(dir, 'data'),
          [variable]: String(port),
        });
        expect(code).toBe(2);
        expect(output).toContain(`${variable}: port ${port} is already in use`);
        expect(output).not.toMatch(/\n\s+at /);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    },
  );
});
