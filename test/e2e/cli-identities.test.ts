import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { killGroup, type Running, startService } from './service.ts';

const HC1 = '7001000000000001';
const HC2 = '7001000000000002';

describe('CLI identities (local identity file) and the runner that reads it', () => {
  let dir: string;
  let env: Record<string, string>;
  let running: Running | undefined;

  beforeAll(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcd-cli-ids-'));
    // Port 9 (discard) never answers HTTP: the runner is not running yet.
    env = { LOCAL_DATA_DIR: dir, PORT: '9' };
  });

  afterAll(async () => {
    if (running && running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
    await rm(dir, { recursive: true, force: true });
    if (running) await rm(running.dataDir, { recursive: true, force: true });
  });

  it('lists every bad row with its line number and writes nothing', async () => {
    const file = join(dir, 'bad.csv');
    await writeFile(
      file,
      [
        `idpUserId,email,externalId,hc:${HC1}`,
        '00uOK,ok@example.com,,7001000000118009',
        '00uBAD,not-an-email,,',
        '00uOK,,,',
        '"00uX,1",x@example.com,,12ab',
        ',,,',
      ].join('\n'),
    );
    const out = await runCli(['identities', 'import', file], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^3\s+email: Invalid email address$/m);
    expect(out.stdout).toMatch(/^4\s+idpUserId 00uOK already on line 2$/m);
    expect(out.stdout).toMatch(/^5\s+helpCenterUserIds\.7001000000000001: must be a Zoho id/m);
    expect(out.stdout).toMatch(/^6\s+needs at least one of idpUserId, email, externalId$/m);
    expect(out.stdout).toMatch(/4 bad row\(s\), 1 valid: nothing was written/);
    await expect(stat(join(dir, 'identities.json'))).rejects.toThrow(/ENOENT/);
  });

  it('imports a JSONL file, links one more person, and exports what it wrote', async () => {
    const file = join(dir, 'people.jsonl');
    await writeFile(
      file,
      [
        JSON.stringify({
          idpUserId: '00uIMPALICE',
          email: 'Alice@Example.com',
          helpCenterUserIds: { [HC1]: '7001000000118001', [HC2]: '7001000000218001' },
        }),
        '',
        JSON.stringify({ externalId: 'ext-carol', email: 'carol@example.com' }),
      ].join('\n'),
    );
    const out = await runCli(['identities', 'import', file, '--json'], env);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toEqual({ created: 2, updated: 0, errors: [] });
    expect(out.stderr).toMatch(/^import: 2\/2/m);
    const link = await runCli(
      [
        'identities',
        'link',
        'carol@example.com',
        '--help-center',
        HC1,
        '--user',
        '7001000000118003',
      ],
      env,
    );
    expect(link.code).toBe(0);
    expect(link.stdout).toMatch(/existing record/);
    const badUser = await runCli(
      ['identities', 'link', 'carol@example.com', '--help-center', HC1, '--user', 'x1'],
      env,
    );
    expect(badUser.code).toBe(2);
    expect(badUser.stderr).toMatch(/^error: --user "x1" must be a Zoho id \(digits\)$/m);
    const badHelpCenter = await runCli(
      ['identities', 'link', 'carol@example.com', '--help-center', 'abc', '--user', '7001'],
      env,
    );
    expect(badHelpCenter.code).toBe(2);
    expect(badHelpCenter.stderr).toMatch(
      /^error: --help-center "abc" must be a Zoho id \(digits\)$/m,
    );
    const exported = await runCli(['identities', 'export'], env);
    expect(exported.code).toBe(0);
    const rows = exported.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(rows).toContainEqual({
      idpUserId: '00uIMPALICE',
      email: 'alice@example.com',
      helpCenterUserIds: { [HC1]: '7001000000118001', [HC2]: '7001000000218001' },
    });
    expect(rows).toContainEqual({
      email: 'carol@example.com',
      externalId: 'ext-carol',
      helpCenterUserIds: { [HC1]: '7001000000118003' },
    });
    const csv = await runCli(['identities', 'export', '--format', 'csv'], env);
    expect(csv.stdout.split('\n')[0]).toBe(`idpUserId,email,externalId,hc:${HC1},hc:${HC2}`);
  });

  it('resolves a deprovision that names only the IdP id through the imported links', async () => {
    running = await startService({ LOCAL_DATA_DIR: dir });
    const runnerEnv = {
      LOCAL_DATA_DIR: dir,
      PORT: new URL(running.url).port,
      SANDBOX_PORT: new URL(running.sandboxUrl).port,
    };
    const out = await runCli(['deprovision', '00uIMPALICE', '--dry-run'], runnerEnv);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      `would remove user 7001000000118001 (00uIMPALICE) from groups Beta Program, Support Insiders in help center ${HC1}`,
    );
    expect(out.stdout).toMatch(/matched via identity-store/);
  });

  it('refuses to write the identity file while npm start owns it, naming the fix (exit 2)', async () => {
    const before = await readFile(join(dir, 'identities.json'), 'utf8');
    const out = await runCli(
      ['identities', 'link', '00uNEW', '--help-center', HC1, '--user', '7001000000118004'],
      { LOCAL_DATA_DIR: dir, PORT: new URL(running!.url).port },
    );
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(
      /npm start is running .* stop it \(Ctrl-C\), run identities link, then start it again/,
    );
    expect(await readFile(join(dir, 'identities.json'), 'utf8')).toBe(before);
  });
});
