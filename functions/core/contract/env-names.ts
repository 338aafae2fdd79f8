/**
 * Every environment variable a function reads. The CDK stack imports this module (and nothing else
 * from `functions/`) so that the names it sets and the names the code reads cannot drift.
 */
export const ENV = {
  /** Stage name, used in metric dimensions and log context. */
  STAGE: 'STAGE',
  /** Powertools service name. */
  SERVICE_NAME: 'POWERTOOLS_SERVICE_NAME',
  LOG_LEVEL: 'LOG_LEVEL',
  /** `json` (default in Lambda) or `pretty` (default locally). */
  LOG_FORMAT: 'LOG_FORMAT',
  WORK_QUEUE_URL: 'WORK_QUEUE_URL',
  DEAD_LETTER_QUEUE_URL: 'DEAD_LETTER_QUEUE_URL',
  /** JSON secret holding the webhook secrets (Okta authorization value, SCIM token, ...). */
  WEBHOOK_SECRET_ARN: 'WEBHOOK_SECRET_ARN',
  /** JSON secret holding the Zoho OAuth client, refresh token, org id and accounts URL. */
  ZOHO_OAUTH_SECRET_ARN: 'ZOHO_OAUTH_SECRET_ARN',
  /** JSON secret holding the shared Zoho access token and its expiry, written by the refresher. */
  ZOHO_TOKEN_SECRET_ARN: 'ZOHO_TOKEN_SECRET_ARN',
  /** Name of the token refresher function the worker invokes once on INVALID_OAUTH. */
  TOKEN_REFRESHER_FUNCTION_NAME: 'TOKEN_REFRESHER_FUNCTION_NAME',
  IDENTITY_TABLE_NAME: 'IDENTITY_TABLE_NAME',
  IDEMPOTENCY_TABLE_NAME: 'IDEMPOTENCY_TABLE_NAME',
  /** Comma-separated Okta event types that count as deprovisioning. */
  OKTA_DEPROVISION_EVENT_TYPES: 'OKTA_DEPROVISION_EVENT_TYPES',
  /**
   * Comma-separated Okta app instance ids of the Zoho Desk app. `application.user_membership.remove`
   * deprovisions only when its `AppInstance` target is one of them (other apps are ignored).
   */
  OKTA_ZOHO_APP_INSTANCE_IDS: 'OKTA_ZOHO_APP_INSTANCE_IDS',
  /**
   * JSON array mapping IdP groups to Help Center groups:
   * `[{"idpGroupId":"…","helpCenterId":"…","groupId":"…","name"?:"…"}]`. Leaving a mapped IdP
   * group removes exactly that Help Center membership; unmapped groups are ignored.
   */
  GROUP_MAPPING: 'GROUP_MAPPING',
  /** Largest accepted webhook body, in bytes. */
  MAX_BODY_BYTES: 'MAX_BODY_BYTES',
  HELPCENTER_BASE_URL: 'HELPCENTER_BASE_URL',
  /** `user-groups-delete` (default) or `zoho-desk-v1`. */
  HELPCENTER_API: 'HELPCENTER_API',
  /** Comma-separated help center ids; overrides the ids in the OAuth secret. */
  HELPCENTER_IDS: 'HELPCENTER_IDS',
  HELPCENTER_CONCURRENCY: 'HELPCENTER_CONCURRENCY',
  HELPCENTER_TIMEOUT_MS: 'HELPCENTER_TIMEOUT_MS',
  /** Maximum SQS receives before a failure is dead-lettered (matches the redrive policy). */
  MAX_RECEIVE_COUNT: 'MAX_RECEIVE_COUNT',
  /** In-call retries for a transient Help Center failure before the record goes back to SQS. */
  MAX_IN_CALL_RETRIES: 'MAX_IN_CALL_RETRIES',
  DRY_RUN: 'DRY_RUN',
  VERIFY_AFTER_REMOVE: 'VERIFY_AFTER_REMOVE',
  /**
   * Opt-in: after a full deprovision removed the person from every group, also remove their portal
   * access (Zoho removePortalUser; the token needs Desk.settings.DELETE). Never for group-level
   * requests. Default false.
   */
  REMOVE_PORTAL_ACCESS: 'REMOVE_PORTAL_ACCESS',
  /** Guard: hold requests when more than GUARD_MAX_REQUESTS arrive within GUARD_WINDOW_SECONDS. */
  GUARD_MAX_REQUESTS: 'GUARD_MAX_REQUESTS',
  GUARD_WINDOW_SECONDS: 'GUARD_WINDOW_SECONDS',
  /** JSON secret with the Entra app registration used for Graph: tenantId, clientId, clientSecret. */
  GRAPH_SECRET_ARN: 'GRAPH_SECRET_ARN',
  /** Graph API base, default https://graph.microsoft.com/v1.0 (a local stand-in in tests). */
  GRAPH_BASE_URL: 'GRAPH_BASE_URL',
  /** Entra token endpoint host, default https://login.microsoftonline.com. */
  GRAPH_LOGIN_URL: 'GRAPH_LOGIN_URL',
  /** Public HTTPS URL of POST /webhooks/graph, used when creating the subscription. */
  GRAPH_NOTIFICATION_URL: 'GRAPH_NOTIFICATION_URL',
  /** EventBridge `source` of the documented custom "User Deprovisioned" event. */
  CUSTOM_EVENT_SOURCE: 'CUSTOM_EVENT_SOURCE',
} as const;

export type EnvName = (typeof ENV)[keyof typeof ENV];
