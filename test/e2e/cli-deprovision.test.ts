import { mkdtemp, rm } from 'node:fs/promises';
import { type AddressInfo, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { runCli } from '../helpers/run-cli.ts';
import { killGroup, type Running, sandboxState, startService } from './service.ts';

const ALICE = { hc1: '7001000000118001', hc2: '7001000000218001' };
const BOB_ID = '7001000000118002';

/** Mutating calls (anything but a read or the OAuth token endpoint). */
const mutating = (calls: Array<{ method: string; path: string }>) =>
  calls.filter((c) => c.method !== 'GET' && c.path !== '/oauth/v2/token');

describe('CLI deprovision against npm start', () => {
  let running: Running;
  let env: Record<string, string>;

  beforeAll(async () => {
    running = await startService();
    env = {
      LOCAL_DATA_DIR: running.dataDir,
      PORT: new URL(running.url).port,
      SANDBOX_PORT: new URL(running.sandboxUrl).port,
    };
  }, 60_000);

  afterAll(async () => {
    if (running && running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
    if (running) await rm(running.dataDir, { recursive: true, force: true });
  });

  it('previews with --dry-run, naming user, groups and help center, and sends no mutating call', async () => {
    const before = (await sandboxState(running.sandboxUrl)).calls.length;
    const out = await runCli(['deprovision', 'alice@example.com', '--dry-run'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      `would remove user ${ALICE.hc1} (alice@example.com) from groups Beta Program, Support Insiders in help center 7001000000000001`,
    );
    expect(out.stdout).toContain(
      `would remove user ${ALICE.hc2} (alice@example.com) from groups Partner Resellers in help center 7001000000000002`,
    );
    expect(out.stdout).toMatch(/Dry run: nothing was changed/);
    const state = await sandboxState(running.sandboxUrl);
    const during = state.calls.slice(before);
    expect(during.some((c) => c.method === 'GET' && c.path.startsWith('/api/v1/users'))).toBe(true);
    expect(mutating(during)).toEqual([]);
    expect(state.users.find((u) => u.id === ALICE.hc1)?.groupIds).toHaveLength(2);
  });

  it('with REMOVE_PORTAL_ACCESS the dry-run preview names the portal removal too, and sends nothing', async () => {
    const before = (await sandboxState(running.sandboxUrl)).calls.length;
    const out = await runCli(['deprovision', 'alice@example.com', '--dry-run'], {
      ...env,
      REMOVE_PORTAL_ACCESS: 'true',
    });
    expect(out.code).toBe(0);
    expect(out.stdout).toContain(
      `would remove user ${ALICE.hc1} (alice@example.com) from groups Beta Program, Support Insiders in help center 7001000000000001, then their portal access (POST /api/v1/portalUsers/${ALICE.hc1}/removeUser)`,
    );
    const json = await runCli(['deprovision', 'alice@example.com', '--dry-run', '--json'], {
      ...env,
      REMOVE_PORTAL_ACCESS: 'true',
    });
    expect(
      JSON.parse(json.stdout).targets.map((t: { portalAccess: boolean }) => t.portalAccess),
    ).toEqual([true, true]);
    const during = (await sandboxState(running.sandboxUrl)).calls.slice(before);
    expect(mutating(during)).toEqual([]);
  });

  it('reports an ambiguous email as a failure of kind ambiguous (text and --json), exit 1, sending nothing', async () => {
    const before = (await sandboxState(running.sandboxUrl)).calls.length;
    const text = await runCli(['deprovision', 'shared.mailbox@example.com', '--dry-run'], env);
    expect(text.code).toBe(1);
    expect(text.stdout).toMatch(/^Failed \(ambiguous\): .*not acting on an ambiguous match/m);
    expect(text.stdout).toMatch(
      /^hint: candidates 7001000000118006, 7001000000118007: .*`identities link shared\.mailbox@example\.com --help-center 7001000000000001 --user <id>`/m,
    );
    const json = await runCli(['deprovision', 'shared.mailbox@example.com', '--json'], env);
    expect(json.code).toBe(1);
    expect(JSON.parse(json.stdout)).toMatchObject({
      subject: 'shared.mailbox@example.com',
      outcome: 'failed',
      failure: { kind: 'ambiguous' },
    });
    const during = (await sandboxState(running.sandboxUrl)).calls.slice(before);
    expect(mutating(during)).toEqual([]);
  });

  it('removes one person through the worker code and reports the groups', async () => {
    const out = await runCli(['deprovision', 'bob@example.com', '--json'], env);
    expect(out.code).toBe(0);
    expect(JSON.parse(out.stdout)).toMatchObject({
      outcome: 'removed',
      via: 'directory',
      targets: [{ helpCenterId: '7001000000000001', userId: BOB_ID }],
    });
    const state = await sandboxState(running.sandboxUrl);
    expect(state.users.find((u) => u.id === BOB_ID)?.groupIds).toEqual([]);
    expect(
      state.calls.some((c) => c.method === 'DELETE' && /^\/api\/v1\/groups\/\d+$/.test(c.path)),
    ).toBe(false);
  });

  it('says nothing changed for a person the Help Center does not know', async () => {
    const out = await runCli(['deprovision', 'nobody@example.com'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/No Help Center user for nobody@example\.com .*nothing changed/);
  });

  it('exits 1 with kind and hint when the Help Center refuses, and writes no dead-letter record', async () => {
    await fetch(`${running.sandboxUrl}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'DELETE',
        pathPrefix: '/api/v1/helpcenter/',
        status: 403,
        errorCode: 'SCOPE_MISMATCH',
        times: 5,
      }),
    });
    const out = await runCli(['deprovision', 'carol@example.com'], env);
    await fetch(`${running.sandboxUrl}/_sandbox/faults`, { method: 'DELETE' });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/Failed \(scope, HTTP 403 SCOPE_MISMATCH\)/);
    expect(out.stdout).toMatch(/hint: .*Desk\.settings/);
    const dlq = await runCli(['dlq', 'list'], env);
    expect(dlq.stdout).toMatch(/Dead-letter queue is empty/);
  });

  it('preflight passes every check against the sandbox', async () => {
    const out = await runCli(['preflight'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/^PASS {2}local runner: up at/m);
    expect(out.stdout).toMatch(/^PASS {2}Zoho OAuth settings: dialect user-groups-delete/m);
    expect(out.stdout).toMatch(/^PASS {2}token, org id and directory lookup in every help center/m);
    expect(out.stdout).not.toMatch(/FAIL/);
  });

  it('preflight names a wrong org id with its fix (exit 1)', async () => {
    const out = await runCli(['preflight', '--json'], { ...env, ZOHO_ORG_ID: '99999999999' });
    expect(out.code).toBe(1);
    const body = JSON.parse(out.stdout);
    expect(body.ok).toBe(false);
    const lookup = body.checks.find((c: { check: string }) => c.check.startsWith('token, org id'));
    expect(lookup).toMatchObject({ ok: false });
    expect(lookup.detail).toMatch(/OAUTH_ORG_MISMATCH/);
    expect(lookup.fix).toMatch(/set orgId in the Zoho OAuth secret \(ZOHO_ORG_ID locally\)/);
  });

  it('exits 2 on a usage error and on an invalid setting, naming it', async () => {
    const none = await runCli(['deprovision'], env);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/deprovision needs exactly one <email \| idp user id>/);
    const bad = await runCli(['deprovision', 'bob@example.com', '--dry-run'], {
      ...env,
      HELPCENTER_API: 'soap',
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/HELPCENTER_API/);
  });
});

/** `n` ports that were just free: nothing listens there (distinct, so each names one server). */
async function freePorts(n: number): Promise<number[]> {
  const probes = Array.from({ length: n }, () => createServer());
  for (const probe of probes) {
    await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  }
  const ports = probes.map((p) => (p.address() as AddressInfo).port);
  for (const probe of probes) await new Promise((resolve) => probe.close(resolve));
  return ports;
}

describe('CLI preflight with nothing running', () => {
  let dir: string;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'hcd-nothing-running-'));
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });
  it('names the missing sandbox and says to start npm start (exit 1)', async () => {
    const [port] = await freePorts(1);
    const out = await runCli(['preflight', '--json'], {
      LOCAL_DATA_DIR: dir,
      PORT: String(port),
      SANDBOX_PORT: String(port),
    });
    expect(out.code).toBe(1);
    const body = JSON.parse(out.stdout);
    const lookup = body.checks.find((c: { check: string }) => c.check.startsWith('token, org id'));
    expect(lookup).toMatchObject({ ok: false });
    expect(lookup.fix).toBe(
      `nothing answers at http://127.0.0.1:${port}: start \`npm start\` (it runs the sandbox Help Center), or set HELPCENTER_BASE_URL`,
    );
  });

  it('preflight reports a malformed GROUP_MAPPING even when the Help Center cannot be reached', async () => {
    const [port] = await freePorts(1);
    const out = await runCli(['preflight', '--json'], {
      LOCAL_DATA_DIR: dir,
      PORT: String(port),
      SANDBOX_PORT: String(port),
      GROUP_MAPPING: 'not json',
    });
    expect(out.code).toBe(1);
    const checks = JSON.parse(out.stdout).checks as Array<{ check: string; ok: boolean }>;
    expect(checks.find((c) => c.check.startsWith('token, org id'))).toMatchObject({ ok: false });
    expect(checks.find((c) => c.check === 'group mapping')).toEqual({
      check: 'group mapping',
      ok: false,
      detail: 'Invalid group mapping: GROUP_MAPPING: not valid JSON',
      fix: 'correct GROUP_MAPPING (see Group mapping in the README)',
    });
  });

  it('preflight names an invalid setting with a fix that points at it, and a malformed mapping (exit 1)', async () => {
    const out = await runCli(['preflight', '--json'], {
      LOCAL_DATA_DIR: dir,
      HELPCENTER_CONCURRENCY: 'abc',
      GROUP_MAPPING: 'not json',
    });
    expect(out.code).toBe(1);
    const { checks } = JSON.parse(out.stdout) as { checks: Array<{ check: string }> };
    // The mapping's own problem is reported even though no Help Center check could run.
    expect(checks.find((c) => c.check === 'group mapping')).toMatchObject({
      ok: false,
      detail: 'Invalid group mapping: GROUP_MAPPING: not valid JSON',
    });
    const setup = checks.find((c) => c.check === 'Zoho OAuth settings') as Record<string, unknown>;
    expect(setup).toMatchObject({ ok: false });
    expect(setup.detail).toMatch(/^Invalid local configuration: HELPCENTER_CONCURRENCY: /);
    expect(setup.fix).toBe(
      'correct the setting the message names (preflight reads the same settings as `npm start`; see Configuration)',
    );
  });

  it('status marks the runner that does not answer with ! and exits 1', async () => {
    const [port] = await freePorts(1);
    const out = await runCli(['status'], { LOCAL_DATA_DIR: dir, PORT: String(port) });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(
      new RegExp(`^!\\s+local runner\\s+not answering at http://127\\.0\\.0\\.1:${port}: `, 'm'),
    );
  });

  it('prints no stack and exits with its own code when the reader is already gone (| true)', async () => {
    // `true` exits before the CLI has started, so every write meets a closed pipe (EPIPE).
    const piped = (command: string) =>
      runCli(
        ['-c', `set -o pipefail; "${process.execPath}" cli/bin.mjs ${command} | true`],
        { LOCAL_DATA_DIR: dir, HELPCENTER_CONCURRENCY: 'abc' },
        { command: ['bash'] },
      );
    const help = await piped('--help');
    expect(help.stderr).not.toMatch(/EPIPE|Error/);
    expect(help.code).toBe(0);
    const failing = await piped('preflight');
    expect(failing.stderr).not.toMatch(/EPIPE|Error/);
    expect(failing.code).toBe(1);
  });

  it('deprovision prints Failed (transient) with the npm start hint naming the sandbox, exit 1', async () => {
    // Two ports that were just free, so the hint must name the sandbox's, not the runner's.
    const [runnerPort, sandboxPort] = await freePorts(2);
    const out = await runCli(['deprovision', 'bob@example.com'], {
      LOCAL_DATA_DIR: dir,
      PORT: String(runnerPort),
      SANDBOX_PORT: String(sandboxPort),
    });
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^Failed \(transient ECONNREFUSED\): Zoho token endpoint failed/m);
    expect(out.stdout).toContain(
      `hint: nothing answers at http://127.0.0.1:${sandboxPort}: start \`npm start\` (it runs the sandbox Help Center), or set HELPCENTER_BASE_URL`,
    );
    expect(out.stderr).not.toMatch(/TransientError/);
  });
});
