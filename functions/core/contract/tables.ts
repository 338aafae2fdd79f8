/** The identity store's lookup keys (one GSI each). */
export const IDENTITY_LOOKUP_KEYS = ['userName', 'email', 'externalId', 'idpUserId'] as const;
export type IdentityLookupKeyName = (typeof IDENTITY_LOOKUP_KEYS)[number];

/**
 * The identity table: partition key `id`, one GSI per lookup key, named after its partition-key
 * attribute. The store writes the lower-cased copies (`userNameLower`, `emailLower`) itself so
 * userName and email lookups are case-insensitive. The stack creates these indexes and the
 * adapter queries them: both read this constant.
 */
export const IDENTITY_TABLE = {
  partitionKey: 'id',
  indexes: {
    userName: { indexName: 'userNameLower', attribute: 'userNameLower' },
    email: { indexName: 'emailLower', attribute: 'emailLower' },
    externalId: { indexName: 'externalId', attribute: 'externalId' },
    idpUserId: { indexName: 'idpUserId', attribute: 'idpUserId' },
  },
} as const satisfies {
  partitionKey: string;
  indexes: Record<IdentityLookupKeyName, { indexName: string; attribute: string }>;
};

/**
 * The idempotency table, in Powertools idempotency's default layout (partition key `id`, TTL
 * attribute `expiration`). The rate guard keeps its window items in the same table:
 * `id` = `guard#<window start>`, the admitted ids in `requestIds`, removed by the same TTL.
 */
export const IDEMPOTENCY_TABLE = {
  partitionKey: 'id',
  ttlAttribute: 'expiration',
  guard: { keyPrefix: 'guard#', requestIdsAttribute: 'requestIds' },
  /**
   * Graph bookkeeping, two items without TTL: the users delta link (`deltaLink`, `version` for the
   * conditional write, `resyncedAt`) and the last subscription renewal (read by `status`).
   */
  graph: { deltaKey: 'graph#delta#users', subscriptionKey: 'graph#subscription#users' },
} as const;
