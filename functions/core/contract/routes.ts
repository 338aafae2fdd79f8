/**
 * HTTP paths the ingest function serves (API Gateway routes, the router, the local runner's
 * banner). API Gateway forwards exactly these; anything else is its 404.
 */
export const ROUTE = {
  OKTA_EVENT_HOOK: '/webhooks/okta',
  GRAPH_NOTIFICATIONS: '/webhooks/graph',
  SIGNED_WEBHOOK: '/webhooks/events',
  /** DESIGN's SCIM base; `/scim` is served too (Entra's tenant URL examples). */
  SCIM_V2: '/scim/v2',
  SCIM_ROOT: '/scim',
} as const;

/** Where SCIM is mounted, most specific first (the router takes the first prefix match). */
export const SCIM_BASE_PATHS = [ROUTE.SCIM_V2, ROUTE.SCIM_ROOT] as const;

export type HttpMethodName = 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';

/** Every route of the intake API with the methods it accepts (`{proxy+}`: the SCIM tree). */
export const INTAKE_ROUTES: ReadonlyArray<{ path: string; methods: readonly HttpMethodName[] }> = [
  { path: ROUTE.OKTA_EVENT_HOOK, methods: ['GET', 'POST'] },
  { path: ROUTE.GRAPH_NOTIFICATIONS, methods: ['POST'] },
  { path: ROUTE.SIGNED_WEBHOOK, methods: ['POST'] },
  { path: `${ROUTE.SCIM_ROOT}/{proxy+}`, methods: ['GET', 'POST', 'PUT', 'PATCH', 'DELETE'] },
];

/** Routes only the local runner serves (DESIGN "Local run contract"). */
export const LOCAL_ROUTE = {
  HEALTH: '/healthz',
  REDRIVE: '/_local/redrive',
  /** The local stand-in for PutEvents on the default bus (EventBridge custom events). */
  EVENTS: '/_local/events',
} as const;
