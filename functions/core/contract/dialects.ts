/** The Help Center API dialects (DESIGN.md "The Help Center client"). */
export const HELPCENTER_DIALECTS = ['user-groups-delete', 'zoho-desk-v1'] as const;
export type HelpCenterDialect = (typeof HELPCENTER_DIALECTS)[number];

/** The mission's endpoint (DESIGN "The Help Center client"). */
export const DEFAULT_HELPCENTER_DIALECT: HelpCenterDialect = 'user-groups-delete';
