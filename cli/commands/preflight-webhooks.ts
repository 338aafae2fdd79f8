import { randomUUID } from 'node:crypto';
import { LOCAL_ROUTE, ROUTE } from '#core/contract/routes.ts';
import type { Check } from './preflight-zoho.ts';

interface Probe {
  name: string;
  path: string;
  init: RequestInit;
  /** Extra proof that our service answered (beyond "an answer that is not 404 or 5xx"). */
  expect?: (status: number, body: string) => boolean;
}

/**
 * Harmless requests, one per endpoint, none of which can enqueue anything:
 * - Okta: GET without `x-okta-verification-challenge` or Authorization (Okta's one-time
 *   verification is a GET; unauthenticated, it is refused).
 * - SCIM: GET `/ServiceProviderConfig` without a bearer token (refused, or the config).
 * - Graph: the subscription validation handshake (`POST ?validationToken=…`, answered by echoing
 *   the token as text/plain: Microsoft Graph "Receive change notifications", notification endpoint
 *   validation). It carries no notification.
 * - Signed webhook: POST `{}` without a signature: refused before it is read.
 */
function probes(): Probe[] {
  const token = `preflight-${randomUUID()}`;
  return [
    { name: 'Okta event hook', path: ROUTE.OKTA_EVENT_HOOK, init: { method: 'GET' } },
    {
      name: 'SCIM 2.0',
      path: `${ROUTE.SCIM_V2}/ServiceProviderConfig`,
      init: { method: 'GET' },
    },
    {
      name: 'Graph notifications (validation handshake)',
      path: `${ROUTE.GRAPH_NOTIFICATIONS}?validationToken=${encodeURIComponent(token)}`,
      init: { method: 'POST' },
      expect: (status, body) => status === 200 && body === token,
    },
    {
      name: 'signed webhook',
      path: ROUTE.SIGNED_WEBHOOK,
      init: { method: 'POST', headers: { 'content-type': 'application/json' }, body: '{}' },
    },
  ];
}

async function ask(url: string, init: RequestInit): Promise<{ status: number; body: string }> {
  const res = await fetch(url, { ...init, signal: AbortSignal.timeout(5_000) });
  return { status: res.status, body: await res.text() };
}

/**
 * One line per intake endpoint of the service at `baseUrl` (the runner locally, the stack's API
 * URL on AWS), plus the runner's `/healthz` locally.
 */
export async function webhookChecks(
  baseUrl: string | undefined,
  options: { local: boolean },
): Promise<Check[]> {
  if (baseUrl === undefined) {
    return [
      {
        check: 'webhook endpoints',
        ok: true,
        detail:
          'not checked: no API URL (pass --stage <stage> to read the ApiUrl stack output, or set API_URL)',
      },
    ];
  }
  const base = baseUrl.replace(/\/+$/, '');
  const list: Probe[] = [
    ...(options.local
      ? [{ name: 'runner health', path: LOCAL_ROUTE.HEALTH, init: { method: 'GET' } }]
      : []),
    ...probes(),
  ];
  const checks: Check[] = [];
  for (const probe of list) {
    const url = `${base}${probe.path}`;
    const check = `webhook ${probe.name}: ${url.split('?')[0]}`;
    try {
      const { status, body } = await ask(url, probe.init);
      const reachable = probe.expect
        ? probe.expect(status, body)
        : status !== 404 && status < 500 && (probe.path !== LOCAL_ROUTE.HEALTH || status === 200);
      checks.push(
        reachable
          ? { check, ok: true, detail: `answers (HTTP ${status})` }
          : {
              check,
              ok: false,
              detail: `answered HTTP ${status}${status === 404 ? ': no such route' : ''}`,
              fix: options.local
                ? 'check PORT / --url: the local runner serves these routes'
                : 'check the API URL (stack output ApiUrl) and that the stack is deployed with its routes',
            },
      );
    } catch (error) {
      checks.push({
        check,
        ok: false,
        detail: `no answer (${error instanceof Error ? ((error.cause as Error | undefined)?.message ?? error.message) : String(error)})`,
        fix: options.local
          ? 'start `npm start` (or pass --url to the running runner)'
          : 'check the API URL (stack output ApiUrl), the network path to it, and that the stage is deployed',
      });
    }
  }
  return checks;
}
