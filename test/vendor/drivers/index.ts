import type { VendorDriver } from '../harness.ts';
import { eventBridgeDriver } from './eventbridge.ts';
import { graphNotificationsDriver } from './graph-notifications.ts';
import { oktaEventHookDriver } from './okta-event-hook.ts';
import { scimDriver } from './scim.ts';

/**
 * One driver per fixtures folder. A folder without an entry makes each of its fixtures fail as
 * "<id>: no driver for <folder>"; add the driver here when the source's handler exists.
 */
export const DRIVERS: Readonly<Record<string, VendorDriver>> = {
  'okta-event-hook': oktaEventHookDriver,
  eventbridge: eventBridgeDriver,
  'entra-scim': scimDriver,
  'okta-scim': scimDriver,
  'graph-notifications': graphNotificationsDriver,
};
