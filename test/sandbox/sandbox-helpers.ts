import { onTestFinished } from 'vitest';
import {
  type Sandbox,
  type SandboxOptions,
  type SandboxSeed,
  startSandbox,
} from '../../local/sandbox/server.ts';

export const ORG_ID = '60099990000';
export const HC_A = '7001000000000101';
export const HC_B = '7001000000000102';
export const BETA = '7001000000200001';
export const ENTERPRISE = '7001000000200002';
export const RESELLERS = '7001000000200003';
export const ALICE_A = '7001000000300001';
export const ALICE_B = '7001000000300002';
export const BOB = '7001000000300003';
export const CAROL = '7001000000300004';

export const OAUTH = {
  clientId: '1000.TESTCLIENT',
  clientSecret: 'test-client-secret',
  refreshToken: '1000.test-refresh-token',
};

export function testSeed(scopes: string[] = ['Desk.settings.ALL', 'Desk.basic.READ']): SandboxSeed {
  return {
    orgId: ORG_ID,
    helpCenters: [
      { id: HC_A, name: 'Customer Portal' },
      { id: HC_B, name: 'Partner Portal' },
    ],
    groups: [
      { id: BETA, helpCenterId: HC_A, name: 'Beta Program' },
      { id: ENTERPRISE, helpCenterId: HC_A, name: 'Enterprise Customers' },
      { id: RESELLERS, helpCenterId: HC_B, name: 'Partner Resellers' },
    ],
    users: [
      { id: ALICE_A, email: 'alice@example.com', helpCenterId: HC_A, groupIds: [BETA, ENTERPRISE] },
      { id: ALICE_B, email: 'Alice@Example.com', helpCenterId: HC_B, groupIds: [RESELLERS] },
      { id: BOB, email: 'bob@example.com', helpCenterId: HC_A, groupIds: [BETA] },
      { id: CAROL, email: 'carol@example.org', helpCenterId: HC_A, groupIds: [] },
    ],
    oauth: { ...OAUTH, scopes },
  };
}

export interface SandboxState {
  users: { id: string; email: string; helpCenterId: string; groupIds: string[] }[];
  groups: { id: string; helpCenterId: string; name: string }[];
  calls: { method: string; path: string; status: number }[];
  tokensMinted: number;
}

export interface Harness {
  sandbox: Sandbox;
  url: string;
  /** Posts a refresh-token grant (the test client by default) and returns the parsed body. */
  mint(params?: Record<string, string>): Promise<Record<string, unknown>>;
  /** A fresh access token for the seeded client. */
  token(): Promise<string>;
  /** Mints the token `api` uses now (it is minted lazily otherwise) and returns it. */
  authorize(): Promise<string>;
  /** Calls the API with a valid token and org id unless `headers` replaces them. */
  api(
    method: string,
    path: string,
    options?: { body?: unknown; headers?: Record<string, string> },
  ): Promise<Response>;
  state(): Promise<SandboxState>;
  fault(fault: Record<string, unknown> | Record<string, unknown>[]): Promise<Response>;
  groupsOf(userId: string): Promise<string[]>;
}

/** Starts a sandbox for the current test and closes it afterwards. */
export async function useSandbox(options: Partial<SandboxOptions> = {}): Promise<Harness> {
  const sandbox = await startSandbox({ seed: testSeed(), ...options });
  onTestFinished(() => sandbox.close());
  const { url } = sandbox;
  let cached: string | undefined;

  const mint = async (params: Record<string, string> = {}) => {
    const res = await fetch(`${url}/oauth/v2/token`, {
      method: 'POST',
      body: new URLSearchParams({
        grant_type: 'refresh_token',
        client_id: OAUTH.clientId,
        client_secret: OAUTH.clientSecret,
        refresh_token: OAUTH.refreshToken,
        ...params,
      }),
    });
    return (await res.json()) as Record<string, unknown>;
  };

  const token = async () => {
    const body = await mint();
    if (typeof body.access_token !== 'string') throw new Error(`no token: ${JSON.stringify(body)}`);
    return body.access_token;
  };

  const authorize = async () => {
    cached ??= await token();
    return cached;
  };

  const api: Harness['api'] = async (method, path, options = {}) => {
    await authorize();
    return fetch(`${url}${path}`, {
      method,
      headers: {
        Authorization: `Zoho-oauthtoken ${cached}`,
        orgId: ORG_ID,
        ...(options.body === undefined ? {} : { 'Content-Type': 'application/json' }),
        ...options.headers,
      },
      ...(options.body === undefined
        ? {}
        : { body: typeof options.body === 'string' ? options.body : JSON.stringify(options.body) }),
    });
  };

  const state = async () => (await (await fetch(`${url}/_sandbox/state`)).json()) as SandboxState;

  const fault: Harness['fault'] = (body) =>
    fetch(`${url}/_sandbox/faults`, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify(body),
    });

  const groupsOf = async (userId: string) =>
    (await state()).users.find((u) => u.id === userId)?.groupIds ?? [];

  return { sandbox, url, mint, token, authorize, api, state, fault, groupsOf };
}

/** The test seed plus a DISABLED end user (dis@) and a SUPPORTREP (rep@) in help center A. */
export function seedWithDisabledAndSupportRep(): SandboxSeed {
  const base = testSeed();
  return {
    ...base,
    users: [
      ...base.users,
      {
        id: '7001000000300010',
        email: 'dis@example.com',
        helpCenterId: HC_A,
        groupIds: [BETA],
        status: 'DISABLED',
      },
      {
        id: '7001000000300011',
        email: 'rep@example.com',
        helpCenterId: HC_A,
        groupIds: [],
        userType: 'SUPPORTREP',
      },
    ],
  };
}
