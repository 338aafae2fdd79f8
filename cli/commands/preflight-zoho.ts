import {
  buildDialectProbe,
  buildDissociateUserGroups,
  buildFindUsersByEmail,
  buildGetUserDetails,
  buildListHelpCenterGroups,
  buildListUserGroups,
  buildRemovePortalUser,
  buildRemoveUserFromHelpCenterGroups,
  buildRemoveUsersFromGroup,
  buildRemoveUsersFromGroupInHelpCenter,
  type HelpCenterRequest,
  PROBE_ID,
} from '#core/adapters/zoho/request-builders.ts';
import type { ZohoHelpCenterClient } from '#core/adapters/zoho/zoho-help-center.ts';
import type { GroupMapping } from '#core/config/group-mapping.ts';
import { describeEntry, findMappedGroups } from '#core/config/group-mapping-check.ts';
import type { HelpCenterDialect } from '#core/contract/dialects.ts';
import { ENV } from '#core/contract/env-names.ts';
import {
  DIALECT_OPERATIONS,
  describeScopes,
  PORTAL_ACCESS_OPERATIONS,
  ZOHO_ERROR,
  ZOHO_OPERATIONS,
  type ZohoOperationName,
} from '#core/contract/zoho-desk.ts';

/** What the probes need of the Zoho client (`ZohoHelpCenterClient`). */
export type ProbeClient = Pick<ZohoHelpCenterClient, 'inspect' | 'listHelpCenterGroups'>;

/** One preflight line. */
export interface Check {
  check: string;
  ok: boolean;
  detail: string;
  fix?: string;
}

type Answer = { status: number; errorCode?: string };
const said = (a: Answer) => `${a.status}${a.errorCode ? ` ${a.errorCode}` : ''}`;

// ---------------------------------------------------------------------------------------------
// Dialect
// ---------------------------------------------------------------------------------------------

export interface DialectFinding {
  /** The dialect HELPCENTER_API names. */
  configured: HelpCenterDialect;
  /** What the org serves: user-groups-delete (the unpublished endpoints, and the published ones), zoho-desk-v1 only, or undefined when the probe could not tell. */
  served?: HelpCenterDialect;
  /** Whether each unpublished endpoint's path is served (undefined: could not tell). */
  userCentric?: boolean;
  groupCentric?: boolean;
}

/**
 * An org that serves an endpoint routes its path: a GET there is refused by method (405
 * METHOD_NOT_ALLOWED), or answered in some other documented way (a read, 403, 422); an org without
 * it answers 404 URL_NOT_FOUND (Common.json urlNotFoundErrorResponse). 401 and 5xx/429 say nothing.
 */
function pathServed(a: Answer): boolean | undefined {
  if (a.status === 404 && a.errorCode === ZOHO_ERROR.urlNotFound) return false;
  if (a.status === 401 || a.status === 429 || a.status >= 500) return undefined;
  return true;
}

/**
 * Tells which dialect the org serves without changing anything: a GET (a safe method, RFC 9110
 * §9.2.1) on the path of each of the mission's unpublished DELETE endpoints, naming user or group
 * id 0 (`buildDialectProbe`). Zoho's published endpoints (zoho-desk-v1) are served by every org.
 */
export async function dialectCheck(
  client: ProbeClient,
  configured: HelpCenterDialect,
  helpCenterId: string,
): Promise<{ check: Check; finding: DialectFinding }> {
  const name = 'Help Center dialect';
  const user = await client.inspect(buildDialectProbe('user-groups-delete', helpCenterId));
  const group = await client.inspect(buildDialectProbe('group-users-delete', helpCenterId));
  const userCentric = pathServed(user);
  const groupCentric = pathServed(group);
  const evidence = `GET on the unpublished user-centric path answered ${said(user)}, on the group-centric path ${said(group)}`;
  const finding: DialectFinding = {
    configured,
    ...(userCentric !== undefined ? { userCentric } : {}),
    ...(groupCentric !== undefined ? { groupCentric } : {}),
  };
  if (userCentric === undefined || groupCentric === undefined) {
    return {
      finding,
      check: {
        check: name,
        ok: false,
        detail: `could not tell (${evidence})`,
        fix:
          user.status === 401 || group.status === 401
            ? 'the token was refused: check the refresh token and OAuth client, then rerun preflight'
            : 'the Help Center is unavailable or throttling: rerun preflight in a minute',
      },
    };
  }
  if (userCentric && groupCentric) {
    finding.served = 'user-groups-delete';
    return {
      finding,
      check: {
        check: name,
        ok: true,
        detail: `the org serves user-groups-delete (and Zoho's published zoho-desk-v1); HELPCENTER_API=${configured} (${evidence})`,
      },
    };
  }
  if (!userCentric && !groupCentric) {
    finding.served = 'zoho-desk-v1';
    return {
      finding,
      check:
        configured === 'zoho-desk-v1'
          ? {
              check: name,
              ok: true,
              detail: `the org serves zoho-desk-v1 only; HELPCENTER_API=zoho-desk-v1 (${evidence})`,
            }
          : {
              check: name,
              ok: false,
              detail: `the org serves zoho-desk-v1 only, not HELPCENTER_API=${configured} (${evidence})`,
              fix: `set ${ENV.HELPCENTER_API}=zoho-desk-v1 (Zoho's published API)`,
            },
    };
  }
  // One of the two unpublished endpoints only: user-groups-delete would fail half its requests.
  finding.served = 'zoho-desk-v1';
  return {
    finding,
    check: {
      check: name,
      ok: configured === 'zoho-desk-v1',
      detail: `the org serves only the ${userCentric ? 'user-centric' : 'group-centric'} unpublished endpoint, so zoho-desk-v1; HELPCENTER_API=${configured} (${evidence})`,
      ...(configured === 'zoho-desk-v1'
        ? {}
        : { fix: `set ${ENV.HELPCENTER_API}=zoho-desk-v1 (Zoho's published API)` }),
    },
  };
}

// ---------------------------------------------------------------------------------------------
// Scopes
// ---------------------------------------------------------------------------------------------

/** What each request is called on a preflight line. */
const REQUEST_LABEL: Partial<Record<ZohoOperationName, string>> = {
  getUsers: 'lookup',
  getUserGroups: 'group listing',
  getHelpCenterGroupList: 'help center groups (group mapping)',
  removeUserFromHelpCenterGroups: 'user-groups DELETE',
  removeUsersFromHelpCenterGroup: 'group-centric DELETE',
  deleteGroupsFromUsers: 'dissociate',
  deleteHCGroupUsers: 'group-centric remove',
  removePortalUser: 'portal removeUser',
  getUserDetails: 'user details (portal verify)',
};

/**
 * The harmless request that shows whether the token may send `name`. Reads are sent as they are
 * (a search for an address that cannot exist, the groups of user 0). Writes name only user 0 (and
 * group 0), which the group-listing read has just shown to be no user: the sandbox checks the
 * token's scope (403 SCOPE_MISMATCH, Common.json errorJson) before it looks the ids up, and then
 * refuses the ids (422 INVALID_DATA or 404), so nothing can change. Zoho does not document the
 * order; the README says what a real org answering ids first would mean (a false pass).
 */
function scopeProbe(name: ZohoOperationName, helpCenterId: string): HelpCenterRequest | undefined {
  switch (name) {
    case 'getUsers':
      return buildFindUsersByEmail('preflight-check@example.invalid', helpCenterId);
    case 'getUserGroups':
      return buildListUserGroups(PROBE_ID, { helpCenterId });
    case 'getHelpCenterGroupList':
      return buildListHelpCenterGroups(helpCenterId);
    case 'removeUserFromHelpCenterGroups':
      return buildRemoveUserFromHelpCenterGroups(helpCenterId, PROBE_ID);
    case 'removeUsersFromHelpCenterGroup':
      return buildRemoveUsersFromGroupInHelpCenter(helpCenterId, PROBE_ID, [PROBE_ID]);
    case 'deleteGroupsFromUsers':
      return buildDissociateUserGroups(PROBE_ID, helpCenterId, [PROBE_ID]);
    case 'deleteHCGroupUsers':
      return buildRemoveUsersFromGroup(PROBE_ID, [PROBE_ID]);
    case 'removePortalUser':
      return buildRemovePortalUser(PROBE_ID);
    case 'getUserDetails':
      return buildGetUserDetails(PROBE_ID, helpCenterId);
    default:
      return undefined;
  }
}

/**
 * Requests the configured service sends: the dialect's, the group list when a mapping is set, and
 * the portal access requests when REMOVE_PORTAL_ACCESS is on (after the dialect's, so the group
 * listing read has shown that id 0 names nobody before the portal write probe is sent).
 */
function requestsOf(
  dialect: HelpCenterDialect,
  options: { mapped: boolean; portalAccess: boolean },
): ZohoOperationName[] {
  return [
    ...DIALECT_OPERATIONS[dialect],
    ...(options.mapped ? (['getHelpCenterGroupList'] as const) : []),
    ...(options.portalAccess ? PORTAL_ACCESS_OPERATIONS : []),
  ];
}

/**
 * One line per request the configured dialect sends: does the token's scope allow it? Zoho's token
 * endpoint does not report the granted scopes (its refresh answer is access_token, api_domain,
 * token_type, expires_in: Zoho Accounts "Access Token Expiry"), so each is asked with a harmless
 * request and read by the documented code.
 */
export async function scopeChecks(
  client: ProbeClient,
  dialect: DialectFinding,
  helpCenterId: string,
  options: { mapped: boolean; portalAccess: boolean },
): Promise<Check[]> {
  const checks: Check[] = [];
  let userZeroIsNobody = false;
  for (const name of requestsOf(dialect.configured, options)) {
    const operation = ZOHO_OPERATIONS[name];
    const check = `scope for ${REQUEST_LABEL[name] ?? name} (${operation.method} ${operation.path}, ${operation.operationId})`;
    const request = scopeProbe(name, helpCenterId);
    if (request === undefined) continue;
    const write = operation.method !== 'GET';
    if (!operation.published && dialect.served !== 'user-groups-delete') {
      checks.push({
        check,
        ok: false,
        detail: 'not checked: the org does not serve this unpublished endpoint (see the dialect)',
        fix: `set ${ENV.HELPCENTER_API}=zoho-desk-v1`,
      });
      continue;
    }
    if (write && !userZeroIsNobody) {
      checks.push({
        check,
        ok: false,
        detail: `not checked: the group-listing read did not show that id ${PROBE_ID} names nobody, so no write is sent`,
        fix: 'fix the group listing line first, then rerun preflight',
      });
      continue;
    }
    const answer = await client.inspect(request);
    if (name === 'getUserGroups') {
      // 422/404 for user 0: no such user, so the write probes below address nobody.
      userZeroIsNobody = answer.status === 422 || answer.status === 404;
    }
    checks.push(readScopeAnswer(check, name, answer, write));
  }
  return checks;
}

function readScopeAnswer(
  check: string,
  name: ZohoOperationName,
  answer: Answer,
  write: boolean,
): Check {
  const scopes = describeScopes(name);
  if (answer.status === 403 && answer.errorCode === ZOHO_ERROR.scopeMismatch) {
    return {
      check,
      ok: false,
      detail: `the token lacks the scope (403 SCOPE_MISMATCH)`,
      fix: `add the scope ${scopes} to the Zoho OAuth client, mint a new refresh token with it and store it (ZOHO_REFRESH_TOKEN locally, refreshToken in the Zoho OAuth secret)`,
    };
  }
  if (answer.status === 403) {
    return {
      check,
      ok: false,
      detail: `refused (${said(answer)})`,
      fix: 'the Zoho user behind the refresh token lacks permission for this operation: check its agent profile and licence',
    };
  }
  if (answer.status === 401) {
    return {
      check,
      ok: false,
      detail: `the token was refused (${said(answer)})`,
      fix: 'check the refresh token and OAuth client in the Zoho OAuth secret',
    };
  }
  if (answer.status === 404 && answer.errorCode === ZOHO_ERROR.urlNotFound && write) {
    // A published write with an unknown id can answer URL_NOT_FOUND too (removePortalUser):
    // only an unpublished endpoint's URL_NOT_FOUND means "not served" (the dialect line).
    if (!ZOHO_OPERATIONS[name].published) {
      return {
        check,
        ok: false,
        detail: `the org does not serve this endpoint (${said(answer)})`,
        fix: `set ${ENV.HELPCENTER_API}=zoho-desk-v1`,
      };
    }
  }
  if (answer.status === 429 || answer.status >= 500) {
    return {
      check,
      ok: false,
      detail: `could not check (${said(answer)})`,
      fix: 'rerun preflight in a minute',
    };
  }
  return {
    check,
    ok: true,
    detail: write
      ? `scope granted (${scopes}); the probe for id ${PROBE_ID} was refused as expected (${said(answer)})`
      : `scope granted (${scopes}; ${said(answer)})`,
  };
}

// ---------------------------------------------------------------------------------------------
// Group mapping
// ---------------------------------------------------------------------------------------------

/** One line per mapping entry: does the Help Center group exist in its help center? */
export async function groupMappingChecks(
  client: ProbeClient,
  mapping: GroupMapping,
): Promise<Check[]> {
  if (mapping.size === 0) {
    return [{ check: 'group mapping', ok: true, detail: `none (${ENV.GROUP_MAPPING} is not set)` }];
  }
  let findings: Awaited<ReturnType<typeof findMappedGroups>>;
  try {
    findings = await findMappedGroups(mapping, client);
  } catch (error) {
    return [
      {
        check: 'group mapping',
        ok: false,
        detail: `the help centers' groups could not be read (getHelpCenterGroupList): ${error instanceof Error ? error.message : String(error)}`,
        fix: `grant ${describeScopes('getHelpCenterGroupList')} (see the scope lines), then rerun preflight`,
      },
    ];
  }
  return findings.map((f) =>
    f.found
      ? {
          check: `group mapping ${describeEntry(f.entry)}`,
          ok: true,
          detail: `exists${f.groupName ? ` (${f.groupName})` : ''}`,
        }
      : {
          check: `group mapping ${describeEntry(f.entry)}`,
          ok: false,
          detail: `no group ${f.entry.groupId} in help center ${f.entry.helpCenterId}`,
          fix: `correct the groupId of ${f.entry.idpGroupId} in ${ENV.GROUP_MAPPING} (Zoho Desk: Setup > Help Center > User Groups), or remove the entry; npm start refuses to start (exit 2) until then`,
        },
  );
}
