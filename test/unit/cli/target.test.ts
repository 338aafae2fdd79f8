import { describe, expect, it } from 'vitest';
import { required, resolveTarget } from '../../../cli/compose.ts';
import { main } from '../../../cli/main.ts';
import type { Io } from '../../../cli/output.ts';

function captureIo(env: Record<string, string | undefined> = {}) {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = {
    out: (t) => out.push(t),
    err: (t) => err.push(t),
    tty: false,
    env,
    cwd: '/srv/app',
  };
  return { io, out, err };
}

describe('CLI target resolution', () => {
  it('targets the local runner and its files by default', async () => {
    expect(await resolveTarget({}, {}, '/srv/app')).toEqual({
      kind: 'local',
      env: {},
      dataDir: '/srv/app/.local',
      runnerUrl: 'http://127.0.0.1:3000',
      dlqPath: '/srv/app/.local/dlq.jsonl',
      identityPath: '/srv/app/.local/identities.json',
    });
  });

  it('follows LOCAL_DATA_DIR, HOST/PORT and --url like the runner', async () => {
    const env = { LOCAL_DATA_DIR: '/data', HOST: '0.0.0.0', PORT: '4000' };
    expect(await resolveTarget({}, env, '/srv/app')).toMatchObject({
      dataDir: '/data',
      runnerUrl: 'http://0.0.0.0:4000',
    });
    expect(await resolveTarget({ url: 'http://box:9' }, env, '/srv/app')).toMatchObject({
      runnerUrl: 'http://box:9',
    });
  });

  it.each([
    [{ aws: true }, {}],
    [{}, { AWS_ENDPOINT_URL: 'http://127.0.0.1:5000' }],
    [{}, { WORK_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/q' }],
    [{}, { DEAD_LETTER_QUEUE_URL: 'https://sqs.eu-west-1.amazonaws.com/1/d' }],
  ])('targets AWS with flags %j and env %j', async (flags, env) => {
    expect((await resolveTarget(flags, env, '/srv/app')).kind).toBe('aws');
  });

  it('names a missing env variable and how to fill it', () => {
    expect(() => required({ kind: 'aws', env: {} }, 'WORK_QUEUE_URL')).toThrow(
      'WORK_QUEUE_URL is not set: set it to the stack output or pass --stage <stage>',
    );
  });
});

describe('CLI main', () => {
  it('exits 2 with the command list for an unknown command', async () => {
    const { io, err } = captureIo();
    expect(await main(['frobnicate'], io)).toBe(2);
    expect(err.join('\n')).toMatch(/Unknown command "frobnicate"[\s\S]*preflight/);
  });

  it('exits 2 naming an unknown flag, and 0 with help for every command', async () => {
    const bad = captureIo();
    expect(await main(['status', '--verbose'], bad.io)).toBe(2);
    expect(bad.err.join('\n')).toBe('error: unknown option --verbose (--help lists the options)');
    for (const command of ['dlq', 'deprovision', 'identities', 'status', 'preflight']) {
      const help = captureIo();
      expect(await main([command, '--help'], help.io)).toBe(0);
      expect(help.out.join('\n')).toMatch(new RegExp(`Usage: helpcenter-deprovisioner ${command}`));
    }
  });
});
