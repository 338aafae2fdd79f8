import type { IdentityRecord } from '#core/ports/identity-store.ts';

/** An active identity record named `id` (login and email `<id>@example.org`), with `extra` over it. */
export function identityRecord(id: string, extra: Partial<IdentityRecord> = {}): IdentityRecord {
  return {
    id,
    userName: `${id}@example.org`,
    email: `${id}@example.org`,
    active: true,
    createdAt: '2026-01-01T00:00:00.000Z',
    updatedAt: '2026-01-01T00:00:00.000Z',
    version: 1,
    ...extra,
  };
}
