import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALLOWED_REQUESTS } from '#core/adapters/zoho/request-builders.ts';
import type { HelpCenterDialect } from '#core/adapters/zoho/zoho-help-center.ts';
import { matchOperation } from '#core/contract/zoho-desk.ts';
import { isAppError } from '#core/domain/errors.ts';
import {
  ALICE_A,
  ALICE_B,
  BOB,
  CAROL,
  ERIN,
  HC_A,
  HC_B,
  seed,
  sharedTokenPlumbing,
  useSandbox,
  workerStack,
} from './sandbox-harness.ts';

/**
 * The sandbox logs paths without the query: a call is allowed when it addresses a contract
 * operation one of the allowlisted shapes sends.
 */
function allowedOnTheWire(method: string, path: string): boolean {
  if (method === 'POST' && path === '/oauth/v2/token') return true;
  const matched = matchOperation(method, path, { includeUnpublished: true });
  return (
    matched !== undefined &&
    ALLOWED_REQUESTS.some((shape) => shape.contract === matched.name && shape.method === method)
  );
}

const faultArb = fc.record(
  {
    method: fc.constantFrom('GET', 'POST', 'DELETE'),
    pathPrefix: fc.constantFrom(
      '/api/v1/users',
      '/api/v1/helpcenter',
      '/api/v1/users/',
      '/oauth/v2/token',
      '/api/',
    ),
    status: fc.constantFrom(200, 204, 400, 401, 403, 404, 409, 422, 429, 500, 502, 503),
    errorCode: fc.constantFrom(
      'INVALID_OAUTH',
      'SCOPE_MISMATCH',
      'URL_NOT_FOUND',
      'RESOURCE_NOT_FOUND',
      'INVALID_ORG',
      'INVALID_DATA',
    ),
    times: fc.integer({ min: 1, max: 3 }),
    retryAfter: fc.integer({ min: 0, max: 5 }),
    reset: fc.boolean(),
  },
  { requiredKeys: ['times'] },
);

const userIdArb = fc.oneof(
  { arbitrary: fc.constantFrom(ALICE_A, ALICE_B, BOB, CAROL, ERIN, '7001000000399999'), weight: 6 },
  fc.string({ maxLength: 12 }),
  fc.constantFrom('../groups', `..%2Fgroups%2F${HC_A}`, '7001/../../groups/1', ''),
);

const operationArb = fc.oneof(
  fc.record({
    kind: fc.constant('remove' as const),
    helpCenterId: fc.oneof(
      { arbitrary: fc.constantFrom(HC_A, HC_B), weight: 6 },
      fc.string({ maxLength: 8 }),
    ),
    userId: userIdArb,
    dryRun: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('lookup' as const),
    email: fc.oneof(
      {
        arbitrary: fc.constantFrom('alice@example.com', 'bob@example.com', ' ERIN@example.com'),
        weight: 4,
      },
      fc.string({ maxLength: 20 }),
    ),
  }),
  fc.record({ kind: fc.constant('list' as const), userId: userIdArb }),
);

describe('ZohoHelpCenterClient under arbitrary sandbox faults (property)', () => {
  it('never sends DELETE of a group or a request outside the allowlist, and fails only with AppErrors', async () => {
    const h = await useSandbox({ seed: seed() });
    const groupCount = (await h.state()).groups.length;
    let apiCalls = 0;

    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom<HelpCenterDialect>('user-groups-delete', 'zoho-desk-v1'),
        fc.array(faultArb, { maxLength: 4 }),
        fc.array(operationArb, { minLength: 1, maxLength: 6 }),
        async (dialect, faults, operations) => {
          await h.reset();
          if (faults.length > 0) await h.fault(faults);
          const { client } = workerStack(h.url, {
            dialect,
            timeoutMs: 2_000,
            shared: sharedTokenPlumbing(h.url),
          });
          for (const op of operations) {
            try {
              if (op.kind === 'remove') {
                await client.removeUserFromAllGroups(op.helpCenterId, op.userId, {
                  dryRun: op.dryRun,
                });
              } else if (op.kind === 'lookup') {
                await client.findUsersByEmail(op.email);
              } else {
                await client.listUserGroups(op.userId);
              }
            } catch (error) {
              expect(isAppError(error)).toBe(true);
            }
          }
          const state = await h.state();
          apiCalls += state.calls.filter((c) => c.path.startsWith('/api/')).length;
          for (const call of state.calls) {
            expect(call.method === 'DELETE' && /^\/api\/v1\/groups\//.test(call.path)).toBe(false);
            expect(allowedOnTheWire(call.method, call.path), `${call.method} ${call.path}`).toBe(
              true,
            );
          }
          expect(state.groups).toHaveLength(groupCount);
        },
      ),
      { numRuns: 60 },
    );
    // The property must have exercised the wire, not only the builders' refusals.
    expect(apiCalls).toBeGreaterThan(30);
  });
});
