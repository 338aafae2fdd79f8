/** `detail-type` of the documented custom event on the default bus (DESIGN "Sources"). */
export const CUSTOM_EVENT_DETAIL_TYPE = 'User Deprovisioned';

/**
 * `detail-type` of the documented group-level custom event: the person (`subject`) left the IdP
 * group `idpGroupId`; only the Help Center membership GROUP_MAPPING maps it to is removed.
 */
export const GROUP_EVENT_DETAIL_TYPE = 'Group Membership Removed';

/** Default EventBridge `source` of the custom "User Deprovisioned" event. */
export const DEFAULT_CUSTOM_EVENT_SOURCE = 'helpcenter.deprovisioner';

/** Okta log-streaming partner sources look like `aws.partner/okta.com/<org>/<name>`. */
export const OKTA_PARTNER_SOURCE_PREFIX = 'aws.partner/okta.com';
