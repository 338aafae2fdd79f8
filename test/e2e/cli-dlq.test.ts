import { readFile, rm } from 'node:fs/promises';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { oktaDeactivation, runCli } from '../helpers/run-cli.ts';
import { killGroup, type Running, sandboxState, startService, until } from './service.ts';

const BOB_ID = '7001000000118002';
const CAROL_ID = '7001000000118003';

describe('CLI dlq against npm start', () => {
  let running: Running;
  let env: Record<string, string>;

  beforeAll(async () => {
    running = await startService();
    env = { LOCAL_DATA_DIR: running.dataDir, PORT: new URL(running.url).port };
    const fault = await fetch(`${running.sandboxUrl}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        method: 'DELETE',
        pathPrefix: '/api/v1/helpcenter/',
        status: 403,
        errorCode: 'SCOPE_MISMATCH',
        times: 2,
      }),
    });
    expect(fault.status).toBe(200);
    for (const [uuid, id, email] of [
      ['cli-bob-1', '00uCLIBOB', 'bob@example.com'],
      ['cli-carol-1', '00uCLICAROL', 'carol@example.com'],
    ] as const) {
      const res = await fetch(`${running.url}/webhooks/okta`, {
        method: 'POST',
        headers: { authorization: 'local-okta-secret', 'content-type': 'application/json' },
        body: JSON.stringify(oktaDeactivation(uuid, id, email)),
      });
      expect(res.status).toBe(200);
    }
    await until('two DLQ records', async () => {
      const text = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8').catch(() => '');
      return text.trim().split('\n').filter(Boolean).length === 2 ? true : undefined;
    });
  }, 60_000);

  afterAll(async () => {
    if (running && running.child.exitCode === null) killGroup(running.child, 'SIGKILL');
    if (running) await rm(running.dataDir, { recursive: true, force: true });
  });

  it('runs through the package bin with npx and prints the command list', async () => {
    const out = await runCli(
      ['--help'],
      {},
      { command: ['npx', '--no-install', 'helpcenter-deprovisioner'] },
    );
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Usage: helpcenter-deprovisioner <command>/);
    expect(out.stdout).toMatch(/dlq/);
  });

  it('lists counts by kind, source and help center and exits 1, without consuming the file', async () => {
    const before = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8');
    const out = await runCli(['dlq', 'list'], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/Dead-letter queue: 2 record\(s\), oldest \d+/);
    expect(out.stdout).toMatch(/^scope\s+2\s/m);
    expect(out.stdout).toMatch(/^okta-event-hook\s+2\s/m);
    // Bob and Carol are in help center 7001000000000001 only: the record names where it failed.
    expect(out.stdout).toMatch(/^HELP CENTER\s+COUNT\s+OLDEST\n7001000000000001\s+2\s/m);
    expect(out.stdout).toMatch(/cli-bob-1\s+okta-event-hook\s+scope\s+bob@example\.com/);
    expect(await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8')).toBe(before);
  });

  it('status shows the runner, its queue and the dead-letter depth by kind, exit 1', async () => {
    const out = await runCli(['status'], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/local runner\s+up at http:\/\/127\.0\.0\.1:\d+ \(local mode\)/);
    expect(out.stdout).toMatch(/work queue\s+\d+ in flight or waiting/);
    expect(out.stdout).toMatch(/^!\s+dead-letter queue\s+2 \(scope 2\), oldest/m);
    expect(out.stdout).toMatch(/held requests\s+none/);
  });

  it('lists as JSON for scripts', async () => {
    const out = await runCli(['dlq', 'list', '--json'], env);
    expect(out.code).toBe(1);
    const body = JSON.parse(out.stdout);
    expect(body).toMatchObject({
      total: 2,
      byKind: [{ name: 'scope', count: 2 }],
      bySource: [{ name: 'okta-event-hook', count: 2 }],
    });
    expect(body.records.map((r: { requestId: string }) => r.requestId).sort()).toEqual([
      'cli-bob-1',
      'cli-carol-1',
    ]);
  });

  it('shows one record with its hint, and exits 1 for an unknown request id', async () => {
    const out = await runCli(['dlq', 'show', 'cli-bob-1'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/failure kind\s+scope/);
    expect(out.stdout).toMatch(/hint\s+.*Desk\.settings/);
    expect(out.stdout).toMatch(/error code\s+SCOPE_MISMATCH/);
    const missing = await runCli(['dlq', 'show', 'nope'], env);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/No dead-letter record for request nope/);
  });

  it('exits 2 naming the flag on a bad filter, before touching anything', async () => {
    const before = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8');
    expect(before.trim().split('\n')).toHaveLength(2);
    const out = await runCli(['dlq', 'redrive', '--kind', 'bogus'], env);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/--kind must be one of/);
    const max = await runCli(['dlq', 'redrive', '--max', '0'], env);
    expect(max.code).toBe(2);
    expect(max.stderr).toMatch(/--max must be a positive whole number/);
    const empty = await runCli(['dlq', 'redrive', '--request-id='], env);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(
      /^error: --request-id "": Too small: expected string to have >=1 characters$/m,
    );
    const long = await runCli(['dlq', 'redrive', '--request-id', 'x'.repeat(300)], env);
    expect(long.code).toBe(2);
    expect(long.stderr).toMatch(
      new RegExp(
        `^error: --request-id "${'x'.repeat(57)}\\.\\.\\.": Too big: expected string to have <=256 characters$`,
        'm',
      ),
    );
    const show = await runCli(['dlq', 'show', ''], env);
    expect(show.code).toBe(2);
    expect(show.stderr).toMatch(/^error: dlq show needs a <requestId>$/m);
    expect(await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8')).toBe(before);
  });

  it('exits 1 naming a requested id the DLQ does not hold, and moves nothing else', async () => {
    const out = await runCli(['dlq', 'redrive', '--request-id', 'not-a-dead-letter'], env);
    expect(out.code).toBe(1);
    expect(out.stdout).toMatch(/^Redrive finished: moved 0, /m);
    expect(out.stdout).toMatch(/^note: not in the dead-letter queue: not-a-dead-letter$/m);
    const after = await readFile(join(running.dataDir, 'dlq.jsonl'), 'utf8');
    expect(after.trim().split('\n')).toHaveLength(2);
  });

  it('exits 2 naming npm start when the runner is not answering', async () => {
    const out = await runCli(['dlq', 'redrive', '--url', 'http://127.0.0.1:9'], env);
    expect(out.code).toBe(2);
    expect(out.stderr).toMatch(/npm start/);
  });

  it('redrives with a progress line and a final count; the users are then removed', async () => {
    await fetch(`${running.sandboxUrl}/_sandbox/faults`, { method: 'DELETE' });
    const out = await runCli(['dlq', 'redrive', '--kind', 'scope'], env);
    expect(out.code).toBe(0);
    expect(out.stdout).toMatch(/Redrive finished: moved 2,/);
    expect(out.stderr).toMatch(/^redrive: 2\/2 \(\d+\/s\)$/m);
    await until('Bob and Carol to leave every group', async () => {
      const s = await sandboxState(running.sandboxUrl);
      const left = s.users.filter((u) => [BOB_ID, CAROL_ID].includes(u.id));
      return left.every((u) => u.groupIds.length === 0) ? true : undefined;
    });
    const after = await runCli(['dlq', 'list'], env);
    expect(after.code).toBe(0);
    expect(after.stdout).toMatch(/Dead-letter queue is empty/);
  });
});
