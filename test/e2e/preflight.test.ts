import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadSeed, type Sandbox, startSandbox } from '../../local/sandbox/server.ts';
import { ROOT, runCli } from '../helpers/run-cli.ts';
import { killGroup, type Running, runToExit, sandboxState, startService } from './service.ts';

interface Check {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}
interface Report {
  ok: boolean;
  dialect?: { configured: string; served?: string; userCentric?: boolean; groupCentric?: boolean };
  checks: Check[];
}

const HC2 = '7001000000000002';
const PARTNER_RESELLERS = '7001000000204001';
const UNKNOWN_GROUP = '7001000000999999';
const MAPPING = [
  {
    idpGroupId: '00gPARTNERS0000000001',
    helpCenterId: HC2,
    groupId: PARTNER_RESELLERS,
    name: 'Partners',
  },
];
const WITH_UNKNOWN = [
  ...MAPPING,
  {
    idpGroupId: '00gGHOST00000000000001',
    helpCenterId: HC2,
    groupId: UNKNOWN_GROUP,
    name: 'Ghost',
  },
];
const GROUP_DELETE = /^\/api\/v1\/groups\/[^/]+\/?$/;

/** Every request line preflight prints for the default dialect, in order (no mapping). */
const HEALTHY_CHECKS = [
  'local runner',
  'Zoho OAuth settings',
  'token, org id and directory lookup in every help center',
  'Help Center dialect',
  'scope for lookup (GET /api/v1/users, getUsers)',
  'scope for group listing (GET /api/v1/users/{userId}/groups, getUserGroups)',
  'scope for user-groups DELETE (DELETE /api/v1/helpcenter/{helpCenterId}/users/{userId}/groups, removeUserFromHelpCenterGroups)',
  'scope for group-centric DELETE (DELETE /api/v1/helpcenter/{helpCenterId}/groups/{groupId}/users, removeUsersFromHelpCenterGroup)',
  'group mapping',
  'webhook runner health',
  'webhook Okta event hook',
  'webhook SCIM 2.0',
  'webhook Graph notifications (validation handshake)',
  'webhook signed webhook',
];

describe('preflight against npm start', () => {
  let running: Running;
  let env: Record<string, string>;
  let seedDir: string;
  let off: Sandbox;
  let narrow: Sandbox;
  let narrowSeed: string;

  const preflight = async (extra: Record<string, string> = {}) => {
    const out = await runCli(['preflight', '--json'], { ...env, ...extra });
    const report = JSON.parse(out.stdout) as Report;
    return {
      code: out.code,
      report,
      line: (prefix: string) => report.checks.find((c) => c.check.startsWith(prefix)),
    };
  };

  beforeAll(async () => {
    running = await startService();
    env = {
      LOCAL_DATA_DIR: running.dataDir,
      PORT: new URL(running.url).port,
      SANDBOX_PORT: new URL(running.sandboxUrl).port,
    };
    const seed = await loadSeed(join(ROOT, 'local/seed.json'));
    // An org without the mission's endpoints, and a token without Desk.settings.DELETE.
    off = await startSandbox({ seed, port: 0, unpublished: false });
    const scopes = ['Desk.settings.READ', 'Desk.settings.UPDATE', 'Desk.basic.READ'];
    narrow = await startSandbox({ seed: { ...seed, oauth: { ...seed.oauth, scopes } }, port: 0 });
    seedDir = await mkdtemp(join(tmpdir(), 'hcd-preflight-seed-'));
    narrowSeed = join(seedDir, 'seed.json');
    await writeFile(narrowSeed, JSON.stringify({ ...seed, oauth: { ...seed.oauth, scopes } }));
  }, 60_000);

  afterAll(async () => {
    await off?.close();
    await narrow?.close();
    if (running && running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
    if (running) await rm(running.dataDir, { recursive: true, force: true });
    if (seedDir) await rm(seedDir, { recursive: true, force: true });
  });

  it('passes every check on a healthy setup, one line per request, and changes nothing', async () => {
    const before = await sandboxState(running.sandboxUrl);
    const r = await preflight();
    expect(r.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(r.code).toBe(0);
    expect(r.report.checks.map((c) => c.check.split(':')[0])).toEqual(HEALTHY_CHECKS);
    expect(r.report.dialect).toEqual({
      configured: 'user-groups-delete',
      served: 'user-groups-delete',
      userCentric: true,
      groupCentric: true,
    });
    expect(r.line('Help Center dialect')?.detail).toMatch(/405 METHOD_NOT_ALLOWED/);

    const after = await sandboxState(running.sandboxUrl);
    expect(after.users).toEqual(before.users);
    expect((after as unknown as { groups: unknown[] }).groups).toEqual(
      (before as unknown as { groups: unknown[] }).groups,
    );
    const calls = after.calls.slice(before.calls.length);
    // The dialect probe is a GET; the only writes name user or group 0, which exist nowhere.
    const writes = calls.filter((c) => c.method !== 'GET' && c.path.startsWith('/api/'));
    expect(writes.map((c) => `${c.method} ${c.path}`)).toEqual([
      'DELETE /api/v1/helpcenter/7001000000000001/users/0/groups',
      'DELETE /api/v1/helpcenter/7001000000000001/groups/0/users',
    ]);
    expect(calls.some((c) => GROUP_DELETE.test(c.path.split('?')[0] ?? ''))).toBe(false);
  });

  it('prints PASS lines with the dialect the org serves', async () => {
    const out = await runCli(['preflight'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^PASS {2}Help Center dialect: the org serves user-groups-delete/m);
    expect(out.stdout).toMatch(/^PASS {2}scope for user-groups DELETE .*scope granted/m);
    expect(out.stdout).not.toMatch(/FAIL/);
  });

  it('tells the two dialects apart: unpublished endpoints off → zoho-desk-v1 only, and says what to set', async () => {
    const offEnv = { SANDBOX_PORT: new URL(off.url).port };
    const r = await preflight(offEnv);
    expect(r.code).toBe(1);
    expect(r.report.dialect).toMatchObject({ served: 'zoho-desk-v1', userCentric: false });
    expect(r.line('Help Center dialect')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(
        /^the org serves zoho-desk-v1 only, not HELPCENTER_API=user-groups-delete .*404 URL_NOT_FOUND/,
      ),
      fix: "set HELPCENTER_API=zoho-desk-v1 (Zoho's published API)",
    });
    // With the published dialect configured, the same org passes every check.
    const v1 = await preflight({ ...offEnv, HELPCENTER_API: 'zoho-desk-v1' });
    expect(v1.report.checks.filter((c) => !c.ok)).toEqual([]);
    expect(v1.code).toBe(0);
    expect(v1.line('Help Center dialect')?.detail).toMatch(/^the org serves zoho-desk-v1 only/);
    expect(v1.report.checks.map((c) => c.check)).toEqual(
      expect.arrayContaining([
        expect.stringMatching(/^scope for dissociate .*deleteGroupsFromUsers/),
        expect.stringMatching(/^scope for group-centric remove .*deleteHCGroupUsers/),
      ]),
    );
    expect((await sandboxState(off.url)).users).toEqual(
      (await loadSeed(join(ROOT, 'local/seed.json'))).users.map(
        ({ id, email, helpCenterId, groupIds }) => ({ id, email, helpCenterId, groupIds }),
      ),
    );
  });

  it('names a missing scope on the request that needs it, with the scope to add', async () => {
    const r = await preflight({ SANDBOX_PORT: new URL(narrow.url).port, SANDBOX_SEED: narrowSeed });
    expect(r.code).toBe(1);
    for (const request of ['user-groups DELETE', 'group-centric DELETE']) {
      expect(r.line(`scope for ${request}`)).toMatchObject({
        ok: false,
        detail: 'the token lacks the scope (403 SCOPE_MISMATCH)',
        fix: expect.stringMatching(
          /^add the scope Desk\.settings\.DELETE to the Zoho OAuth client/,
        ),
      });
    }
    expect(r.line('scope for lookup')?.ok).toBe(true);
    expect(r.line('scope for group listing')?.ok).toBe(true);
    expect(r.line('Help Center dialect')?.ok).toBe(true);
  });

  it('names a wrong org id', async () => {
    const r = await preflight({ ZOHO_ORG_ID: '99999999999' });
    expect(r.code).toBe(1);
    expect(r.line('token, org id')).toMatchObject({
      ok: false,
      detail: expect.stringMatching(/OAUTH_ORG_MISMATCH/),
    });
  });

  it('lists the group mapping and fails on a mapped group its help center does not have', async () => {
    const good = await preflight({ GROUP_MAPPING: JSON.stringify(MAPPING) });
    expect(good.code).toBe(0);
    expect(good.line('group mapping 00gPARTNERS0000000001')).toMatchObject({
      ok: true,
      check: `group mapping 00gPARTNERS0000000001 (Partners) → help center ${HC2}, group ${PARTNER_RESELLERS}`,
      detail: 'exists (Partner Resellers)',
    });
    expect(good.line('scope for help center groups')?.ok).toBe(true);

    const bad = await preflight({ GROUP_MAPPING: JSON.stringify(WITH_UNKNOWN) });
    expect(bad.code).toBe(1);
    expect(bad.line('group mapping 00gPARTNERS0000000001')?.ok).toBe(true);
    expect(bad.line('group mapping 00gGHOST00000000000001')).toMatchObject({
      ok: false,
      detail: `no group ${UNKNOWN_GROUP} in help center ${HC2}`,
      fix: expect.stringMatching(/correct the groupId of 00gGHOST00000000000001 in GROUP_MAPPING/),
    });
  });
});

describe('npm start checks the group mapping against the Help Center', () => {
  it('exits 2 naming the entry whose Help Center group does not exist', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'hcd-mapping-'));
    try {
      const out = await runToExit({
        LOCAL_DATA_DIR: dir,
        GROUP_MAPPING: JSON.stringify(WITH_UNKNOWN),
      });
      expect(out.code).toBe(2);
      expect(out.output).toMatch(
        new RegExp(
          `Could not start: Unknown Help Center group in the group mapping: GROUP_MAPPING: 00gGHOST00000000000001 \\(Ghost\\) → help center ${HC2}, group ${UNKNOWN_GROUP}: no group ${UNKNOWN_GROUP} in help center ${HC2}`,
        ),
      );
      expect(out.output).not.toMatch(/00gPARTNERS0000000001.*no group/);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }, 60_000);
});
