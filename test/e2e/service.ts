import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const ROOT = join(import.meta.dirname, '..', '..');

export interface Running {
  child: ChildProcess;
  output: () => string;
  url: string;
  sandboxUrl: string;
  graphStateUrl?: string;
  dataDir: string;
}

/**
 * Spawns `npm start` on free ports in its own process group and waits for the banner. With
 * `HELPCENTER_BASE_URL` in `extraEnv` (an external sandbox), `sandboxUrl` is that URL.
 */
export async function startService(extraEnv: Record<string, string> = {}): Promise<Running> {
  const dataDir = extraEnv.LOCAL_DATA_DIR ?? (await mkdtemp(join(tmpdir(), 'hcd-e2e-')));
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: {
      ...process.env,
      PORT: '0',
      SANDBOX_PORT: '0',
      GRAPH_STANDIN_PORT: '0',
      LOCAL_DATA_DIR: dataDir,
      REDELIVERY_DELAY_MS: '200',
      LOG_FORMAT: 'pretty',
      ...extraEnv,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group, so the test can signal it the way Ctrl-C signals a terminal's job.
    detached: true,
  });
  let out = '';
  child.stdout?.on('data', (chunk) => {
    out += chunk.toString();
  });
  child.stderr?.on('data', (chunk) => {
    out += chunk.toString();
  });
  const deadline = Date.now() + 30_000;
  while (Date.now() < deadline) {
    // The banner (pretty logs) or the "service ready" line (LOG_FORMAT=json).
    const service =
      /Service\s+(http:\/\/127\.0\.0\.1:\d+)/.exec(out) ??
      /"url":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
    const sandbox =
      /Sandbox state\s+(http:\/\/127\.0\.0\.1:\d+)\/_sandbox\/state/.exec(out) ??
      /"sandbox":"(http:\/\/127\.0\.0\.1:\d+)"/.exec(out);
    const graph = /Graph stand-in.*\(state: (http:\/\/127\.0\.0\.1:\d+\/_standin\/state)\)/.exec(
      out,
    );
    const sandboxUrl = sandbox?.[1] ?? extraEnv.HELPCENTER_BASE_URL;
    if (service?.[1] && sandboxUrl) {
      return {
        child,
        output: () => out,
        url: service[1],
        sandboxUrl,
        ...(graph?.[1] ? { graphStateUrl: graph[1] } : {}),
        dataDir,
      };
    }
    if (child.exitCode !== null) break;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  killGroup(child, 'SIGKILL');
  throw new Error(`npm start did not come up:\n${out}`);
}

/** Signals the whole process group (npm, its shell and node), as Ctrl-C in a terminal does. */
export function killGroup(child: ChildProcess, signal: NodeJS.Signals): void {
  if (child.pid !== undefined && child.exitCode === null) {
    try {
      process.kill(-child.pid, signal);
    } catch {
      // already gone
    }
  }
}

export async function stopService(running: Running): Promise<number | null> {
  if (running.child.exitCode !== null) return running.child.exitCode;
  const exited = new Promise<number | null>((resolve) =>
    running.child.once('exit', (code) => resolve(code)),
  );
  killGroup(running.child, 'SIGINT');
  return exited;
}

export interface SandboxState {
  users: Array<{ id: string; email: string; groupIds: string[] }>;
  calls: Array<{ method: string; path: string; status: number }>;
}

export async function sandboxState(sandboxUrl: string): Promise<SandboxState> {
  const res = await fetch(`${sandboxUrl}/_sandbox/state`);
  return (await res.json()) as SandboxState;
}

/** Polls `probe` until it returns a value (not a timing assertion: it only bounds the wait). */
export async function until<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 15_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const value = await probe();
    if (value !== undefined) return value;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  throw new Error(`timed out waiting for ${what}`);
}

/** Runs `npm start` with `env` until it exits by itself (config errors); returns code and output. */
export async function runToExit(
  env: Record<string, string>,
): Promise<{ code: number | null; output: string }> {
  const child = spawn('npm', ['start', '--silent'], {
    cwd: ROOT,
    env: { ...process.env, PORT: '0', SANDBOX_PORT: '0', GRAPH_STANDIN_PORT: '0', ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  child.stdout?.on('data', (chunk) => {
    output += chunk.toString();
  });
  child.stderr?.on('data', (chunk) => {
    output += chunk.toString();
  });
  const code = await new Promise<number | null>((resolve) => child.once('exit', resolve));
  return { code, output };
}

/** Runs a README shell block as a user would (bash, `-eo pipefail`, from the repository root). */
export function bash(script: string): Promise<{ code: number | null; output: string }> {
  const child = spawn('bash', ['-eo', 'pipefail', '-c', script], { cwd: ROOT });
  let output = '';
  child.stdout.on('data', (c) => {
    output += c.toString();
  });
  child.stderr.on('data', (c) => {
    output += c.toString();
  });
  return new Promise((resolve) => child.once('close', (code) => resolve({ code, output })));
}
