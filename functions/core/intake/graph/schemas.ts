import * as z from 'zod';

/**
 * One Graph `changeNotification` (webhook delivery) or lifecycle notification. Loose on purpose:
 * Graph adds properties over time; we read only what we route and authenticate on.
 */
export const ChangeNotificationSchema = z.looseObject({
  subscriptionId: z.string().min(1).max(512),
  clientState: z.string().nullish(),
  changeType: z.string().nullish(),
  resource: z.string().nullish(),
  resourceData: z
    .looseObject({
      id: z.string().nullish(),
      '@odata.type': z.string().nullish(),
      eventTime: z.string().nullish(),
      sequenceNumber: z.union([z.number(), z.string()]).nullish(),
    })
    .nullish(),
  /** Lifecycle notifications only: `reauthorizationRequired`, `subscriptionRemoved`, `missed`. */
  lifecycleEvent: z.string().nullish(),
  subscriptionExpirationDateTime: z.string().nullish(),
  tenantId: z.string().nullish(),
  eventTime: z.string().nullish(),
  sequenceNumber: z.union([z.number(), z.string()]).nullish(),
});
export type ChangeNotification = z.infer<typeof ChangeNotificationSchema>;

/** The webhook body: `changeNotificationCollection`. Items are validated one by one. */
export const ChangeNotificationCollectionSchema = z.looseObject({
  value: z.array(z.unknown()).min(1).max(1000),
});

/** `GET /users/{id}?$select=id,accountEnabled,userPrincipalName,mail`. */
export const GraphUserSchema = z.looseObject({
  id: z.string().min(1),
  accountEnabled: z.boolean().nullish(),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
});
export type GraphUser = z.infer<typeof GraphUserSchema>;

/**
 * One row of `GET /users/delta`. A removed user carries `@removed`: reason `changed` when it was
 * soft-deleted (restorable for 30 days), `deleted` when permanently deleted
 * (learn.microsoft.com/graph/delta-query-users, "deltaLink response"); then only `id` is present.
 */
export const GraphDeltaUserSchema = z.looseObject({
  id: z.string().min(1),
  accountEnabled: z.boolean().nullish(),
  userPrincipalName: z.string().nullish(),
  mail: z.string().nullish(),
  '@removed': z.looseObject({ reason: z.string().nullish() }).nullish(),
});
export type GraphDeltaUser = z.infer<typeof GraphDeltaUserSchema>;

/**
 * One page of a delta round: more pages follow while `@odata.nextLink` is set; the last page
 * carries `@odata.deltaLink`, the state to start the next round from
 * (learn.microsoft.com/graph/delta-query-overview).
 */
export const GraphDeltaPageSchema = z.looseObject({
  value: z.array(GraphDeltaUserSchema),
  '@odata.nextLink': z.string().nullish(),
  '@odata.deltaLink': z.string().nullish(),
});
export type GraphDeltaPage = z.infer<typeof GraphDeltaPageSchema>;

/** Graph `subscription` resource (fields we use). */
export const GraphSubscriptionSchema = z.looseObject({
  id: z.string().min(1),
  resource: z.string(),
  changeType: z.string(),
  notificationUrl: z.string(),
  lifecycleNotificationUrl: z.string().nullish(),
  expirationDateTime: z.string(),
  clientState: z.string().nullish(),
  applicationId: z.string().nullish(),
});
export type GraphSubscription = z.infer<typeof GraphSubscriptionSchema>;

export const GraphSubscriptionListSchema = z.looseObject({
  value: z.array(GraphSubscriptionSchema),
  '@odata.nextLink': z.string().nullish(),
});

/** Microsoft identity platform client-credentials token response. */
export const TokenResponseSchema = z.looseObject({
  access_token: z.string().min(1),
  expires_in: z.coerce.number().int().positive(),
  token_type: z.string().optional(),
});

/** The Graph app secret (GRAPH_SECRET_ARN). */
export const GraphCredentialsSchema = z.object({
  tenantId: z.string().min(1),
  clientId: z.string().min(1),
  clientSecret: z.string().min(1),
});
export type GraphCredentials = z.infer<typeof GraphCredentialsSchema>;

/** Graph's error body: `{"error":{"code":"…","message":"…"}}`. */
export const GraphErrorBodySchema = z.looseObject({
  error: z.looseObject({ code: z.string().optional(), message: z.string().optional() }),
});
