import { Agent } from 'undici';
import { onTestFinished } from 'vitest';
import { createZohoAgent } from '#core/adapters/http/transport.ts';
import { ZohoAccountsClient } from '#core/adapters/zoho/zoho-accounts-client.ts';
import {
  type HelpCenterDialect,
  ZohoHelpCenterClient,
} from '#core/adapters/zoho/zoho-help-center.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { TokenRefresher } from '#core/ports/token-source.ts';
import { SharedTokenReader } from '#core/tokens/shared-token-reader.ts';
import { InProcessTokenRefresher } from '../../../../local/adapters/in-process-token-refresher.ts';
import { type SandboxSeed, startSandbox } from '../../../../local/sandbox/server.ts';
import { StaticSecretSource } from '../../../doubles/static-secret-source.ts';

export { recordingLogger } from '../../../helpers/recording-logger.ts';

import {
  BETA,
  ENTERPRISE,
  HC_A,
  HC_B,
  OAUTH,
  ORG_ID,
  RESELLERS,
  testSeed,
} from '../../../sandbox/sandbox-helpers.ts';

export {
  ALICE_A,
  ALICE_B,
  BETA,
  BOB,
  CAROL,
  ENTERPRISE,
  HC_A,
  HC_B,
  OAUTH,
  ORG_ID,
  RESELLERS,
} from '../../../sandbox/sandbox-helpers.ts';

/** A user of help center A who is (oddly) also in a group of help center B. */
export const ERIN = '7001000000300005';

export const OAUTH_SECRET_ID = 'zoho-oauth';
export const TOKEN_SECRET_ID = 'zoho-token';

/** The sandbox tests' seed plus two users the client tests need. */
export function seed(scopes?: string[]): SandboxSeed {
  const base = testSeed(scopes);
  return {
    ...base,
    users: [
      ...base.users,
      {
        id: ERIN,
        email: 'erin@example.com',
        helpCenterId: HC_A,
        groupIds: [BETA, ENTERPRISE, RESELLERS],
      },
      { id: '7001000000300006', email: 'malice@example.com', helpCenterId: HC_A, groupIds: [BETA] },
    ],
  };
}

export interface SandboxState {
  users: { id: string; email: string; helpCenterId: string; groupIds: string[] }[];
  groups: { id: string; helpCenterId: string; name: string }[];
  calls: { method: string; path: string; status: number }[];
  tokensMinted: number;
}

/** A sandbox for the current test, closed afterwards, with control-plane helpers. */
export async function useSandbox(options: Partial<Parameters<typeof startSandbox>[0]> = {}) {
  const sandbox = await startSandbox({ seed: seed(), ...options });
  onTestFinished(() => sandbox.close());
  const control = new Agent();
  onTestFinished(() => control.close());
  const call = async (method: string, path: string, body?: unknown) => {
    const res = await control.request({
      origin: sandbox.url,
      path,
      method,
      headers: { 'content-type': 'application/json' },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    const text = await res.body.text();
    if (res.statusCode !== 200) throw new Error(`sandbox ${path} answered ${res.statusCode}`);
    return JSON.parse(text) as unknown;
  };
  return {
    sandbox,
    url: sandbox.url,
    state: async () => (await call('GET', '/_sandbox/state')) as SandboxState,
    fault: async (fault: Record<string, unknown> | Record<string, unknown>[]) => {
      await call('POST', '/_sandbox/faults', fault);
    },
    clearFaults: async () => {
      await call('DELETE', '/_sandbox/faults');
    },
    revokeTokens: async () => {
      await call('DELETE', '/_sandbox/tokens');
    },
    reset: async () => {
      await call('POST', '/_sandbox/reset');
    },
  };
}

export interface StackOptions {
  dialect?: HelpCenterDialect;
  helpCenterIds?: string[];
  orgId?: string;
  timeoutMs?: number;
  clock?: Clock;
  logger?: Logger;
  oauth?: Partial<typeof OAUTH>;
  /** Share one secret store and refresher between stacks ("containers"). */
  shared?: { secrets: StaticSecretSource; refresher: TokenRefresher };
}

/** The secrets and in-process refresher one "deployment" shares. */
export function sharedTokenPlumbing(
  url: string,
  options: { clock?: Clock; oauth?: Partial<typeof OAUTH>; orgId?: string } = {},
) {
  const secrets = new StaticSecretSource({
    [OAUTH_SECRET_ID]: JSON.stringify({
      ...OAUTH,
      ...options.oauth,
      orgId: options.orgId ?? ORG_ID,
      accountsUrl: url,
    }),
  });
  const agent = createZohoAgent({ timeoutMs: 5_000, connections: 1 });
  onTestFinished(() => agent.close());
  const refresher = new InProcessTokenRefresher({
    secrets,
    writer: secrets,
    minter: new ZohoAccountsClient(agent, options.clock ? { clock: options.clock } : {}),
    oauthSecretId: OAUTH_SECRET_ID,
    tokenSecretId: TOKEN_SECRET_ID,
    logger: { debug() {}, info() {}, warn() {}, error() {} },
    ...(options.clock ? { clock: options.clock } : {}),
  });
  return { secrets, refresher };
}

/** One "worker container": its own Agent, token reader and Help Center client. */
export function workerStack(url: string, options: StackOptions = {}) {
  const shared =
    options.shared ??
    sharedTokenPlumbing(url, {
      ...(options.clock ? { clock: options.clock } : {}),
      ...(options.oauth ? { oauth: options.oauth } : {}),
    });
  const agent = createZohoAgent({ timeoutMs: options.timeoutMs ?? 5_000, connections: 5 });
  onTestFinished(() => agent.close());
  const logger = options.logger ?? { debug() {}, info() {}, warn() {}, error() {} };
  const tokens = new SharedTokenReader({
    secrets: shared.secrets,
    tokenSecretId: TOKEN_SECRET_ID,
    refresher: shared.refresher,
    logger,
    sleep: async () => {},
    ...(options.clock ? { clock: options.clock } : {}),
  });
  const client = new ZohoHelpCenterClient(
    agent,
    {
      baseUrl: url,
      orgId: options.orgId ?? ORG_ID,
      dialect: options.dialect ?? 'user-groups-delete',
      helpCenterIds: options.helpCenterIds ?? [HC_A, HC_B],
      timeoutMs: options.timeoutMs ?? 5_000,
      ...(options.clock ? { clock: options.clock } : {}),
    },
    tokens,
    logger,
  );
  return { client, tokens, agent, ...shared };
}

/** Fails the test with the error's own fields when `promise` resolves. */
export async function failure(promise: Promise<unknown>): Promise<Record<string, unknown>> {
  try {
    await promise;
  } catch (error) {
    const e = error as Record<string, unknown> & Error;
    return {
      name: e.name,
      kind: e.kind,
      retryable: e.retryable,
      httpStatus: e.httpStatus,
      errorCode: e.errorCode,
      hint: e.hint,
      retryAfterMs: e.retryAfterMs,
      message: e.message,
    };
  }
  throw new Error('expected a failure');
}
