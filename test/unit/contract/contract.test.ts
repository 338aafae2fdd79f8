import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  ALLOWED_REQUESTS,
  buildDissociateUserGroups,
  buildFindUsersByEmail,
  buildGetUserDetails,
  buildListUserGroups,
  buildRemovePortalUser,
  buildRemoveUserFromHelpCenterGroups,
  buildRemoveUsersFromGroup,
  buildRemoveUsersFromGroupInHelpCenter,
  contractOperation,
  type HelpCenterRequest,
} from '#core/adapters/zoho/request-builders.ts';
import {
  checkRequest,
  DIALECT_OPERATIONS,
  matchOperation,
  PORTAL_ACCESS_OPERATIONS,
  ZOHO_OPERATIONS,
  ZohoErrorSchema,
} from '#core/contract/zoho-desk.ts';
import { PermanentError } from '#core/domain/errors.ts';
import {
  ALICE_A,
  BETA,
  BOB,
  CAROL,
  ENTERPRISE,
  HC_A,
  HC_B,
  seedWithDisabledAndSupportRep,
  useSandbox,
} from '../../sandbox/sandbox-helpers.ts';

const id = fc.oneof(
  fc.stringMatching(/^[0-9]{1,19}$/),
  fc.string(),
  fc.constantFrom('..', '/', '%2F', '', '0', '12345678901234567890'),
);
const email = fc.oneof(
  fc.emailAddress(),
  fc.string(),
  fc.constantFrom('a@b', ' Alice@Example.com ', 'x@y.z', 'ü@example.com', 'a#b@example.com'),
);
const from = fc.oneof(
  fc.integer({ min: 0, max: 2000 }).map((k) => 1 + k * 50),
  fc.integer({ min: -5, max: 200_000 }),
);

/** Any request the builders produce, from any input (they may refuse: PermanentError). */
const builtRequest = fc.oneof(
  fc.tuple(email, id, from).map(
    ([e, hc, f]) =>
      () =>
        buildFindUsersByEmail(e, hc, f),
  ),
  fc.tuple(id, fc.option(id, { nil: undefined }), from).map(
    ([u, hc, f]) =>
      () =>
        buildListUserGroups(u, { from: f, ...(hc !== undefined ? { helpCenterId: hc } : {}) }),
  ),
  fc.tuple(id, id).map(
    ([hc, u]) =>
      () =>
        buildRemoveUserFromHelpCenterGroups(hc, u),
  ),
  fc.tuple(id, id, fc.array(id, { maxLength: 120 })).map(
    ([u, hc, g]) =>
      () =>
        buildDissociateUserGroups(u, hc, g),
  ),
  fc.tuple(id, id, fc.array(id, { maxLength: 5 })).map(
    ([hc, g, u]) =>
      () =>
        buildRemoveUsersFromGroupInHelpCenter(hc, g, u),
  ),
  fc.tuple(id, fc.array(id, { maxLength: 5 })).map(
    ([g, u]) =>
      () =>
        buildRemoveUsersFromGroup(g, u),
  ),
  id.map((u) => () => buildRemovePortalUser(u)),
  fc.tuple(id, id).map(
    ([u, hc]) =>
      () =>
        buildGetUserDetails(u, hc),
  ),
);

describe('the request builders against the Zoho Desk contract', () => {
  it('every request they can build is a contract operation within its parameter rules (property)', () => {
    let built = 0;
    fc.assert(
      fc.property(builtRequest, (build) => {
        let request: HelpCenterRequest;
        try {
          request = build();
        } catch (error) {
          expect(error).toBeInstanceOf(PermanentError);
          return;
        }
        built += 1;
        const url = new URL(request.path, 'https://desk.zoho.eu');
        const matched = matchOperation(request.method, url.pathname, { includeUnpublished: true });
        expect(matched?.name).toBe(contractOperation(request.operation));
        expect(checkRequest(matched!, url.searchParams, request.body)).toEqual([]);
        expect(matched!.name).not.toBe('deleteHelpCenterUserGroup');
      }),
      { numRuns: 3000 },
    );
    expect(built).toBeGreaterThan(100);
  });

  it('only the mission DELETEs are unpublished, and only the default dialect sends them', () => {
    const unpublished = ALLOWED_REQUESTS.filter((s) => !ZOHO_OPERATIONS[s.contract].published);
    expect(unpublished.map((s) => s.contract).sort()).toEqual([
      'removeUserFromHelpCenterGroups',
      'removeUsersFromHelpCenterGroup',
    ]);
    for (const name of DIALECT_OPERATIONS['zoho-desk-v1']) {
      expect(ZOHO_OPERATIONS[name].published).toBe(true);
    }
  });

  it('the portal access operations as User.json publishes them', () => {
    expect(PORTAL_ACCESS_OPERATIONS).toEqual(['removePortalUser', 'getUserDetails']);
    expect(ZOHO_OPERATIONS.removePortalUser).toMatchObject({
      operationId: 'removePortalUser',
      source: 'v1.0/User.json',
      published: true,
      method: 'POST',
      path: '/api/v1/portalUsers/{userId}/removeUser',
      query: {},
      success: { status: 204, body: null },
      scopes: ['Desk.settings.DELETE', 'Desk.basic.DELETE'],
      errors: [403, 404, 500],
    });
    expect(ZOHO_OPERATIONS.removePortalUser).not.toHaveProperty('body');
    expect(ZOHO_OPERATIONS.getUserDetails).toMatchObject({
      operationId: 'getUserDetails',
      source: 'v1.0/User.json',
      method: 'GET',
      path: '/api/v1/users/{userId}',
      scopes: ['Desk.contacts.READ', 'Desk.settings.READ', 'Desk.basic.READ'],
    });
    // Neither dialect sends them unless REMOVE_PORTAL_ACCESS is on.
    for (const ops of Object.values(DIALECT_OPERATIONS)) {
      for (const name of PORTAL_ACCESS_OPERATIONS) expect(ops).not.toContain(name);
    }
  });

  it('the spec facts the client relies on', () => {
    expect(ZOHO_OPERATIONS.getUsers.query).toMatchObject({
      from: { type: 'integer', minimum: 1 },
      limit: { type: 'integer', minimum: 1, maximum: 50 },
      searchBy: { type: 'string', minLength: 2 },
      helpCenterId: { type: 'id' },
    });
    expect(ZOHO_OPERATIONS.deleteGroupsFromUsers.scopes).toEqual([
      'Desk.contacts.UPDATE',
      'Desk.settings.UPDATE',
    ]);
    expect(ZOHO_OPERATIONS.removePortalUser.scopes).toContain('Desk.settings.DELETE');
  });

  it.each([
    ['from=0', '/from'],
    ['limit=51', '/limit'],
    ['searchBy=a', '/searchBy'],
    ['helpCenterId=abc', '/helpCenterId'],
    ['emailId=a%40b.c', '/emailId'],
  ])('the parameter rules refuse %s', (query, field) => {
    const matched = matchOperation('GET', '/api/v1/users', { includeUnpublished: false });
    expect(checkRequest(matched!, new URLSearchParams(query), undefined)).toEqual([
      { fieldName: field, errorType: 'invalid' },
    ]);
  });
});

describe('every sandbox response against the contract response schemas', () => {
  it('success bodies validate against the operation schemas; errors against Common.json errorJson', async () => {
    const h = await useSandbox({ seed: seedWithDisabledAndSupportRep() });
    // Each request with the status the sandbox must answer: a sandbox refusing everything fails.
    const requests: [number, string, string, unknown?][] = [
      [
        200,
        'GET',
        `/api/v1/users?searchBy=example&helpCenterId=${HC_A}&status=ALL&from=1&limit=50`,
      ],
      [200, 'GET', `/api/v1/users?searchBy=alice&helpCenterId=${HC_B}`],
      [200, 'GET', `/api/v1/users/${ALICE_A}/groups?helpCenterId=${HC_A}&from=1&limit=50`],
      [200, 'GET', '/api/v1/helpCenters'],
      [
        200,
        'POST',
        `/api/v1/users/${ALICE_A}/groups/dissociate?helpCenterId=${HC_A}`,
        { groupIds: [BETA, '42'] },
      ],
      [204, 'POST', `/api/v1/groups/${ENTERPRISE}/users/remove`, { userIds: [ALICE_A] }],
      [200, 'GET', `/api/v1/users/${CAROL}?helpCenterId=${HC_A}`],
      [204, 'POST', `/api/v1/portalUsers/${CAROL}/removeUser`],
      [200, 'GET', `/api/v1/users/${CAROL}`],
      [204, 'DELETE', `/api/v1/helpcenter/${HC_A}/users/${BOB}/groups`],
      [422, 'GET', '/api/v1/users?from=0'],
      [422, 'GET', '/api/v1/users/abc/groups'],
      [404, 'GET', '/api/v1/tickets'],
    ];
    let validated = 0;
    for (const [status, method, path, body] of requests) {
      const res = await h.api(method, path, body === undefined ? {} : { body });
      expect(res.status, `${method} ${path}`).toBe(status);
      const url = new URL(path, h.url);
      const matched = matchOperation(method, url.pathname, { includeUnpublished: true });
      const text = await res.text();
      if (res.status >= 400) {
        expect(ZohoErrorSchema.safeParse(JSON.parse(text)).success, `${method} ${path}`).toBe(true);
        validated += 1;
        continue;
      }
      expect(matched, `${method} ${path}`).toBeDefined();
      const success = ZOHO_OPERATIONS[matched!.name].success;
      if (res.status === 204) {
        expect(text).toBe('');
        validated += 1;
        continue;
      }
      expect(res.status).toBe(success.status);
      const parsed = success.body?.safeParse(JSON.parse(text));
      expect(parsed?.success, `${method} ${path}: ${parsed?.error?.message}`).toBe(true);
      validated += 1;
    }
    expect(validated).toBe(requests.length);
  });
});

describe('sandbox responses to arbitrary requests (property)', () => {
  it('every answer is either the operation success schema or Common.json errorJson', async () => {
    const h = await useSandbox();
    const userIds = fc.constantFrom(ALICE_A, BOB, CAROL, '999', 'abc');
    const value = fc.oneof(
      fc.constantFrom(
        '0',
        '1',
        '2',
        '50',
        '51',
        '-1',
        'x',
        'ALL',
        'DISABLED',
        HC_A,
        HC_B,
        'a',
        'ex',
      ),
      fc.string({ maxLength: 4 }),
    );
    const query = fc
      .array(
        fc.tuple(
          fc.constantFrom(
            'from',
            'limit',
            'searchBy',
            'status',
            'helpCenterId',
            'sortBy',
            'emailId',
          ),
          value,
        ),
        { maxLength: 4 },
      )
      .map((pairs) => new URLSearchParams(pairs).toString());
    // Valid requests weighted up (any subset of a query the contract accepts, a known user): each
    // operation must also answer successes often, so the success-schema branch is exercised.
    const validQuery = (pairs: [string, string][]) =>
      fc.subarray(pairs).map((p) => new URLSearchParams(p).toString());
    const validOr = <T>(valid: fc.Arbitrary<T>, any: fc.Arbitrary<T>) =>
      fc.oneof({ weight: 2, arbitrary: valid }, { weight: 1, arbitrary: any });
    const knownUser = fc.constantFrom(ALICE_A, BOB, CAROL);
    const request = fc.oneof(
      fc.tuple(
        fc.constant('GET'),
        fc.constant('/api/v1/users'),
        validOr(
          validQuery([
            ['searchBy', 'example'],
            ['helpCenterId', HC_A],
            ['status', 'ALL'],
            ['from', '1'],
            ['limit', '50'],
          ]),
          query,
        ),
        fc.constant(undefined),
      ),
      fc.tuple(
        fc.constant('GET'),
        validOr(knownUser, userIds).map((u) => `/api/v1/users/${u}/groups`),
        validOr(
          validQuery([
            ['helpCenterId', HC_A],
            ['from', '1'],
            ['limit', '50'],
          ]),
          query,
        ),
        fc.constant(undefined),
      ),
      fc.oneof(
        {
          weight: 2,
          arbitrary: fc.tuple(
            fc.constant('POST'),
            knownUser.map((u) => `/api/v1/users/${u}/groups/dissociate`),
            fc.constant(`helpCenterId=${HC_A}`),
            fc.constant({ groupIds: [BETA, ENTERPRISE, '42'] }),
          ),
        },
        {
          weight: 1,
          arbitrary: fc.tuple(
            fc.constant('POST'),
            userIds.map((u) => `/api/v1/users/${u}/groups/dissociate`),
            query,
            fc.oneof(
              fc.constant(undefined),
              fc.constant({ groupIds: [BETA, ENTERPRISE, '42'] }),
              fc.constant({ groupIds: ['x'] }),
              fc.constant({ groups: [BETA] }),
            ),
          ),
        },
      ),
      fc.tuple(
        fc.constant('GET'),
        fc.constant('/api/v1/helpCenters'),
        validOr(fc.constant(''), query),
        fc.constant(undefined),
      ),
      fc.tuple(
        fc.constantFrom('GET', 'PUT', 'DELETE'),
        // Paths the contract has no operation for (GET /api/v1/users/{id} is getUserDetails and
        // GET /api/v1/groups getHelpCenterGroupList).
        fc.constantFrom('/api/v1/tickets', `/api/v1/users/${ALICE_A}/profile`, '/api/v1/contacts'),
        query,
        fc.constant(undefined),
      ),
    );
    const successes: Record<string, number> = {};
    await fc.assert(
      fc.asyncProperty(request, async ([method, path, q, body]) => {
        const full = q === '' ? path : `${path}?${q}`;
        const res = await h.api(method, full, body === undefined ? {} : { body });
        const text = await res.text();
        if (res.status < 300) {
          const name = matchOperation(method, path, { includeUnpublished: true })?.name ?? full;
          successes[name] = (successes[name] ?? 0) + 1;
        }
        if (res.status >= 400) {
          expect(ZohoErrorSchema.safeParse(JSON.parse(text)).success, full).toBe(true);
          return;
        }
        const matched = matchOperation(method, path, { includeUnpublished: true });
        expect(matched, full).toBeDefined();
        const success = ZOHO_OPERATIONS[matched!.name].success;
        if (res.status === 204) {
          expect(text).toBe('');
          return;
        }
        expect(res.status).toBe(success.status);
        const parsed = success.body?.safeParse(JSON.parse(text));
        expect(parsed?.success, `${full}: ${parsed?.error?.message}`).toBe(true);
      }),
      { numRuns: 200 },
    );
    // Each operation answered with a success in at least 8 of the 200 runs (about 26 expected: a
    // fifth of the runs per operation, two thirds of them valid), so no sandbox refusing
    // everything passes, and chance cannot fail it.
    expect(Object.keys(successes).sort()).toEqual([
      'deleteGroupsFromUsers',
      'getAllHelpCenters',
      'getUserGroups',
      'getUsers',
    ]);
    for (const [name, count] of Object.entries(successes)) {
      expect(count, name).toBeGreaterThanOrEqual(8);
    }
  });
});
