import { DEFAULT_HELPCENTER_DIALECT } from './dialects.ts';

/**
 * Defaults shared by the stack's stage config, the functions' env schemas and the local runner,
 * so an unset variable means the same thing everywhere.
 */
export const DEFAULTS = {
  helpCenterDialect: DEFAULT_HELPCENTER_DIALECT,
  /**
   * In-flight Help Center requests per worker (or local runner). With the stage's two concurrent
   * workers that is 10, Zoho's default per-org limit (README "Draining a burst").
   */
  helpCenterConcurrency: 5,
  /** Timeout of one Help Center or Zoho token-endpoint call. */
  helpCenterTimeoutMs: 8_000,
  /** Receives before a record goes to the DLQ (the SQS redrive policy's maxReceiveCount). */
  maxReceiveCount: 5,
  /** In-call retries of a transient Help Center failure. */
  maxInCallRetries: 3,
  /** Portal access removal after a full deprovision is opt-in (REMOVE_PORTAL_ACCESS). */
  removePortalAccess: false,
  guardMaxRequests: 100,
  guardWindowSeconds: 300,
  /** 256 KiB: SQS's classic message limit and far above any real webhook delivery. */
  maxBodyBytes: 256 * 1024,
  oktaDeprovisionEventTypes: [
    'user.lifecycle.deactivate',
    'user.lifecycle.suspend',
    'user.lifecycle.delete.initiated',
  ],
  graphBaseUrl: 'https://graph.microsoft.com/v1.0',
  graphLoginUrl: 'https://login.microsoftonline.com',
} as const;

/** Upper bounds the schemas share. */
export const LIMITS = {
  helpCenterConcurrency: 25,
  maxInCallRetries: 10,
} as const;
