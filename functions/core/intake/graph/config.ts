import { DEFAULTS } from '#core/contract/defaults.ts';
import { ENV } from '#core/contract/env-names.ts';
import * as z from '#core/contract/zod.ts';

export const DEFAULT_GRAPH_BASE_URL = DEFAULTS.graphBaseUrl;
export const DEFAULT_GRAPH_LOGIN_URL = DEFAULTS.graphLoginUrl;

/** Graph settings a function reads (spread into its config schema). */
export const GraphEnvShape = {
  [ENV.GRAPH_SECRET_ARN]: z.optional(z.string().check(z.minLength(1))),
  [ENV.GRAPH_BASE_URL]: z._default(z.url(), DEFAULT_GRAPH_BASE_URL),
  [ENV.GRAPH_LOGIN_URL]: z._default(z.url(), DEFAULT_GRAPH_LOGIN_URL),
  [ENV.GRAPH_NOTIFICATION_URL]: z.optional(z.url()),
};

export interface GraphConfig {
  /** Secret with `{tenantId, clientId, clientSecret}`. */
  secretId: string;
  baseUrl: string;
  loginUrl: string;
  /** Public URL of POST /webhooks/graph; needed to create or recreate the subscription. */
  notificationUrl?: string;
}

type GraphEnv = {
  [ENV.GRAPH_SECRET_ARN]?: string | undefined;
  [ENV.GRAPH_BASE_URL]: string;
  [ENV.GRAPH_LOGIN_URL]: string;
  [ENV.GRAPH_NOTIFICATION_URL]?: string | undefined;
};

/** The Graph part of a parsed config; undefined when GRAPH_SECRET_ARN is not set. */
export function graphConfigFrom(parsed: GraphEnv): GraphConfig | undefined {
  const secretId = parsed[ENV.GRAPH_SECRET_ARN];
  if (!secretId) return undefined;
  const notificationUrl = parsed[ENV.GRAPH_NOTIFICATION_URL];
  return {
    secretId,
    baseUrl: parsed[ENV.GRAPH_BASE_URL],
    loginUrl: parsed[ENV.GRAPH_LOGIN_URL],
    ...(notificationUrl ? { notificationUrl } : {}),
  };
}
