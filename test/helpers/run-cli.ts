import { spawn } from 'node:child_process';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

/**
 * Runs the CLI as an operator would (`cli/bin.mjs`, the package's `bin`), from the repo root, with
 * `env` added to a clean copy of the test's environment (no AWS variables unless given).
 */
export function runCli(
  args: readonly string[],
  env: Record<string, string> = {},
  options: { command?: readonly string[] } = {},
): Promise<CliRun> {
  const base = Object.fromEntries(
    Object.entries(process.env).filter(
      ([k]) =>
        !k.startsWith('AWS_') &&
        !/_QUEUE_URL$|_SECRET_ARN$|_TABLE_NAME$|^HELPCENTER_|^LOCAL_DATA_DIR$|^PORT$/.test(k),
    ),
  );
  const [cmd, ...pre] = options.command ?? [process.execPath, join(ROOT, 'cli', 'bin.mjs')];
  const child = spawn(cmd!, [...pre, ...args], {
    cwd: ROOT,
    env: { ...base, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (c) => {
    stdout += c.toString();
  });
  child.stderr.on('data', (c) => {
    stderr += c.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, stdout, stderr })));
}

/** An Okta event-hook delivery deactivating one user (the documented envelope). */
export function oktaDeactivation(uuid: string, userId: string, email: string) {
  return {
    eventType: 'com.okta.event_hook',
    eventTypeVersion: '1.0',
    cloudEventsVersion: '0.1',
    source: 'https://example.okta.com/api/v1/eventHooks/whoCLI',
    eventId: `delivery-${uuid}`,
    data: {
      events: [
        {
          uuid,
          published: '2026-11-26T09:00:00.000Z',
          eventType: 'user.lifecycle.deactivate',
          version: '0',
          outcome: { result: 'SUCCESS', reason: null },
          target: [{ id: userId, type: 'User', alternateId: email, displayName: 'CLI' }],
        },
      ],
    },
  };
}
