import * as z from '#core/contract/zod.ts';

/**
 * One Graph `changeNotification` (webhook delivery) or lifecycle notification. Loose on purpose:
 * Graph adds properties over time; we read only what we route and authenticate on.
 */
export const ChangeNotificationSchema = z.looseObject({
  subscriptionId: z.string().check(z.minLength(1), z.maxLength(512)),
  clientState: z.nullish(z.string()),
  changeType: z.nullish(z.string()),
  resource: z.nullish(z.string()),
  resourceData: z.nullish(
    z.looseObject({
      id: z.nullish(z.string()),
      '@odata.type': z.nullish(z.string()),
      eventTime: z.nullish(z.string()),
      sequenceNumber: z.nullish(z.union([z.number(), z.string()])),
    }),
  ),
  /** Lifecycle notifications only: `reauthorizationRequired`, `subscriptionRemoved`, `missed`. */
  lifecycleEvent: z.nullish(z.string()),
  subscriptionExpirationDateTime: z.nullish(z.string()),
  tenantId: z.nullish(z.string()),
  eventTime: z.nullish(z.string()),
  sequenceNumber: z.nullish(z.union([z.number(), z.string()])),
});
export type ChangeNotification = z.infer<typeof ChangeNotificationSchema>;

/** The webhook body: `changeNotificationCollection`. Items are validated one by one. */
export const ChangeNotificationCollectionSchema = z.looseObject({
  value: z.array(z.unknown()).check(z.minLength(1), z.maxLength(1000)),
});

/** `GET /users/{id}?$select=id,accountEnabled,userPrincipalName,mail`. */
export const GraphUserSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  accountEnabled: z.nullish(z.boolean()),
  userPrincipalName: z.nullish(z.string()),
  mail: z.nullish(z.string()),
});
export type GraphUser = z.infer<typeof GraphUserSchema>;

/**
 * One row of `GET /users/delta`. A removed user carries `@removed`: reason `changed` when it was
 * soft-deleted (restorable for 30 days), `deleted` when permanently deleted
 * (learn.microsoft.com/graph/delta-query-users, "deltaLink response"); then only `id` is present.
 */
export const GraphDeltaUserSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  accountEnabled: z.nullish(z.boolean()),
  userPrincipalName: z.nullish(z.string()),
  mail: z.nullish(z.string()),
  '@removed': z.nullish(z.looseObject({ reason: z.nullish(z.string()) })),
});
export type GraphDeltaUser = z.infer<typeof GraphDeltaUserSchema>;

/**
 * One page of a delta round: more pages follow while `@odata.nextLink` is set; the last page
 * carries `@odata.deltaLink`, the state to start the next round from
 * (learn.microsoft.com/graph/delta-query-overview).
 */
export const GraphDeltaPageSchema = z.looseObject({
  value: z.array(GraphDeltaUserSchema),
  '@odata.nextLink': z.nullish(z.string()),
  '@odata.deltaLink': z.nullish(z.string()),
});
export type GraphDeltaPage = z.infer<typeof GraphDeltaPageSchema>;

/** Graph `subscription` resource (fields we use). */
export const GraphSubscriptionSchema = z.looseObject({
  id: z.string().check(z.minLength(1)),
  resource: z.string(),
  changeType: z.string(),
  notificationUrl: z.string(),
  lifecycleNotificationUrl: z.nullish(z.string()),
  expirationDateTime: z.string(),
  clientState: z.nullish(z.string()),
  applicationId: z.nullish(z.string()),
});
export type GraphSubscription = z.infer<typeof GraphSubscriptionSchema>;

export const GraphSubscriptionListSchema = z.looseObject({
  value: z.array(GraphSubscriptionSchema),
  '@odata.nextLink': z.nullish(z.string()),
});

/** Microsoft identity platform client-credentials token response. */
export const TokenResponseSchema = z.looseObject({
  access_token: z.string().check(z.minLength(1)),
  expires_in: z.coerce.number().check(z.int(), z.positive()),
  token_type: z.optional(z.string()),
});

/** The Graph app secret (GRAPH_SECRET_ARN). */
export const GraphCredentialsSchema = z.object({
  tenantId: z.string().check(z.minLength(1)),
  clientId: z.string().check(z.minLength(1)),
  clientSecret: z.string().check(z.minLength(1)),
});
export type GraphCredentials = z.infer<typeof GraphCredentialsSchema>;

/** Graph's error body: `{"error":{"code":"…","message":"…"}}`. */
export const GraphErrorBodySchema = z.looseObject({
  error: z.looseObject({ code: z.optional(z.string()), message: z.optional(z.string()) }),
});
