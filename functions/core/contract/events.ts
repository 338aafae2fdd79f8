/** `detail-type` of the documented custom event on the default bus (DESIGN "Sources"). */
export const CUSTOM_EVENT_DETAIL_TYPE = 'User Deprovisioned';

/** Default EventBridge `source` of the custom "User Deprovisioned" event. */
export const DEFAULT_CUSTOM_EVENT_SOURCE = 'helpcenter.deprovisioner';

/** Okta log-streaming partner sources look like `aws.partner/okta.com/<org>/<name>`. */
export const OKTA_PARTNER_SOURCE_PREFIX = 'aws.partner/okta.com';
