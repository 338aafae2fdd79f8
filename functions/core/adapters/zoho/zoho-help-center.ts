import type { Dispatcher } from '#core/adapters/http/transport.ts';
import {
  DEFAULT_CONCURRENCY,
  DEFAULT_TIMEOUT_MS,
  networkError,
  parseRetryAfter,
  readText,
  Semaphore,
  timeoutOptions,
  tryParseJson,
} from '#core/adapters/http/transport.ts';
import {
  assertAllowed,
  buildDissociateUserGroups,
  buildFindUsersByEmail,
  buildGetUserDetails,
  buildListHelpCenterGroups,
  buildListUserGroups,
  buildRemovePortalUser,
  buildRemoveUserFromHelpCenterGroups,
  buildRemoveUsersFromGroup,
  buildRemoveUsersFromGroupInHelpCenter,
  contractOperation,
  type HelpCenterRequest,
  isValidId,
  LOOKUP_PAGE_SIZE,
  MAX_IDS_PER_REQUEST,
} from '#core/adapters/zoho/request-builders.ts';
import { HELPCENTER_DIALECTS, type HelpCenterDialect } from '#core/contract/dialects.ts';
import * as z from '#core/contract/zod.ts';
import {
  describeScopes,
  dialectScopeHint,
  GetUserDetailsResponseSchema,
  ZOHO_ERROR,
  ZOHO_FIRST_INDEX,
  ZOHO_OPERATIONS,
  ZohoGroupRowShape,
  ZohoUserRowShape,
} from '#core/contract/zoho-desk.ts';
import {
  type AppError,
  ConfigError,
  PermanentError,
  QuotaExceededError,
  TransientError,
} from '#core/domain/errors.ts';
import { type Clock, systemClock } from '#core/ports/clock.ts';
import type {
  HelpCenter,
  HelpCenterGroup,
  HelpCenterUser,
  PortalAccess,
  PortalRemovalResult,
  RemovalResult,
} from '#core/ports/help-center.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { TokenSource } from '#core/ports/token-source.ts';

/** `user-groups-delete`: one user-centric DELETE; `zoho-desk-v1`: GET the groups, then dissociate. */
export { HELPCENTER_DIALECTS, type HelpCenterDialect };

export interface ZohoHelpCenterOptions {
  /** Desk API origin, e.g. `https://desk.zoho.eu` (see `zohoDeskUrl`) or the sandbox URL. */
  baseUrl: string;
  /** Zoho Desk organization id, sent as the `orgId` header. */
  orgId: string;
  dialect: HelpCenterDialect;
  /** Help centers this deployment may touch; lookups and removals outside them are refused. */
  helpCenterIds: readonly string[];
  /** Requests in flight at once from this instance (default 5; keep below the org's Zoho limit). */
  concurrency?: number;
  /** Bound on each request: connect, headers and body (default 10 s). */
  timeoutMs?: number;
  clock?: Clock;
}

/** Pages of search results read before the lookup gives up (never guesses on a partial read). */
const MAX_LOOKUP_PAGES = 20;
/** Pages of a user's groups read before giving up (1000 groups). */
const MAX_GROUP_PAGES = 20;

const HINTS = {
  auth: "the Help Center refused the token after one refresh request (a token minted less than 60 s ago is not re-minted, to protect Zoho's mint limit): if this persists, check the refresh token and OAuth client in the Zoho OAuth secret (revoked, wrong client, or wrong data centre); otherwise redrive with failureKind auth after a minute",
  dialect:
    "this org does not serve the unpublished user-centric endpoint: set HELPCENTER_API=zoho-desk-v1 (Zoho's published API)",
  url: 'the Help Center does not serve this path: check HELPCENTER_BASE_URL or the Zoho data centre',
  org: 'the OAuth token belongs to another Zoho Desk organization than the org id sent (OAUTH_ORG_MISMATCH): set orgId in the Zoho OAuth secret (ZOHO_ORG_ID locally) to the organization the refresh token was generated for',
  forbidden:
    'the Zoho user behind the refresh token lacks permission for this operation (agent profile or licence)',
  quota:
    "the Zoho Desk org's daily API credits are spent (THRESHOLD_EXCEEDED); the request waits on the queue until they renew. Check Setup > Developer Space > APIs in Zoho Desk, or buy add-on credits",
  invalid:
    "Zoho refused the request's parameters (INVALID_DATA); the request builders follow zoho/zohodesk-oas v1.0, so check the ids in the request and the identity store",
} as const;

/** Only the row fields we read; other fields Zoho adds are ignored (the contract lists them). */
const UserRowSchema = z.looseObject({
  id: z.pipe(ZohoUserRowShape.id, z.transform(String)),
  emailAddress: z.optional(ZohoUserRowShape.emailAddress),
  userType: z.nullish(z.string()),
  status: z.nullish(z.string()),
});
const SearchResponseSchema = z.object({ data: z.array(UserRowSchema) });

const GroupRowSchema = z.looseObject({
  id: z.pipe(ZohoGroupRowShape.id, z.transform(String)),
  name: z.nullish(z.string()),
  helpCenterId: z.optional(
    z.pipe(
      ZohoGroupRowShape.helpCenterId,
      z.transform((v) => (v == null ? '' : String(v))),
    ),
  ),
});
const GroupsResponseSchema = z.object({ data: z.array(GroupRowSchema) });

/** deleteGroupsFromUsers results: the error code is nested under each result's `errors`. */
const DissociateResponseSchema = z.object({
  results: z.array(
    z.looseObject({
      id: z.nullish(z.union([z.string(), z.number()])),
      success: z.unknown(),
      errors: z.nullish(
        z.looseObject({ errorCode: z.nullish(z.string()), error: z.nullish(z.string()) }),
      ),
    }),
  ),
});

interface Exchange {
  status: number;
  headers: Dispatcher.ResponseData['headers'];
  text: string;
}

/**
 * Zoho Desk Help Center over undici. Sends only allowlisted requests (see request-builders), caps
 * concurrency, and turns every failure into TransientError or PermanentError (with kind, hint,
 * httpStatus and errorCode). It retries nothing except one request after an INVALID_OAUTH refresh.
 */
export class ZohoHelpCenterClient implements HelpCenter, PortalAccess {
  private readonly origin: string;
  private readonly orgId: string;
  private readonly dialect: HelpCenterDialect;
  private readonly helpCenterIds: ReadonlySet<string>;
  private readonly timeoutMs: number;
  private readonly clock: Clock;
  private readonly limiter: Semaphore;

  /** @throws ConfigError when an option is missing or malformed. */
  constructor(
    private readonly dispatcher: Dispatcher,
    options: ZohoHelpCenterOptions,
    private readonly tokens: TokenSource,
    private readonly logger: Logger,
  ) {
    const issues: string[] = [];
    let origin = '';
    try {
      const url = new URL(options.baseUrl);
      if (url.protocol !== 'https:' && url.protocol !== 'http:')
        issues.push('baseUrl: not http(s)');
      else if (url.pathname !== '/' || url.search !== '' || url.username !== '') {
        issues.push('baseUrl: must be an origin without path, query or credentials');
      }
      origin = url.origin;
    } catch {
      issues.push('baseUrl: not a URL');
    }
    if (!isValidId(options.orgId)) issues.push('orgId: missing or not a Zoho id');
    if (options.helpCenterIds.length === 0) issues.push('helpCenterIds: at least one is required');
    if (!options.helpCenterIds.every(isValidId)) issues.push('helpCenterIds: not Zoho ids');
    if (!HELPCENTER_DIALECTS.includes(options.dialect)) {
      issues.push(`dialect: must be one of ${HELPCENTER_DIALECTS.join(', ')}`);
    }
    const concurrency = options.concurrency ?? DEFAULT_CONCURRENCY;
    if (!Number.isInteger(concurrency) || concurrency < 1) issues.push('concurrency: must be >= 1');
    const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
    if (!Number.isFinite(timeoutMs) || timeoutMs <= 0) issues.push('timeoutMs: must be > 0');
    if (issues.length > 0) {
      throw new ConfigError(`Invalid Help Center client options: ${issues.join('; ')}`, issues);
    }
    this.origin = origin;
    this.orgId = options.orgId;
    this.dialect = options.dialect;
    this.helpCenterIds = new Set(options.helpCenterIds);
    this.timeoutMs = timeoutMs;
    this.clock = options.clock ?? systemClock;
    this.limiter = new Semaphore(concurrency);
  }

  /**
   * Help Center end users of the configured help centers whose `emailAddress` equals `email`
   * (trimmed, case-insensitive). One getUsers search per help center (`helpCenterId`, because rows
   * do not say which help center they belong to), paged from 1 in steps of 50 until a short page.
   *
   * Which rows count (User.json userDetailJson `userType`, `status`):
   * - `ENDUSER` (or no type) that is `ACTIVE` or `DISABLED` (or no status): a target. A DISABLED
   *   user keeps its group memberships and regains them when re-enabled, so it is removed too.
   * - `DELETED`: not a target (the help center no longer has that user); not counted.
   * - `SUPPORTREP`: an agent's presence in the help center, not an end user. Agents are managed
   *   through Zoho Desk's agent APIs, and acting on one from an end user's deprovisioning could
   *   lock out support staff, so it is ignored (logged) and never makes a match ambiguous.
   */
  async findUsersByEmail(email: string): Promise<HelpCenterUser[]> {
    const wanted = email.trim().toLowerCase();
    const users: HelpCenterUser[] = [];
    for (const helpCenterId of this.helpCenterIds) {
      users.push(...(await this.findInHelpCenter(email, wanted, helpCenterId)));
    }
    return users;
  }

  private async findInHelpCenter(
    email: string,
    wanted: string,
    helpCenterId: string,
  ): Promise<HelpCenterUser[]> {
    const users: HelpCenterUser[] = [];
    let ignored = 0;
    // searchBy is a contains-match: the exact address may sit on a later page, so read them all.
    for (let page = 0; page < MAX_LOOKUP_PAGES; page += 1) {
      const from = ZOHO_FIRST_INDEX + page * LOOKUP_PAGE_SIZE;
      const res = await this.send(buildFindUsersByEmail(email, helpCenterId, from));
      const data = res.status === 204 ? [] : parseBody(SearchResponseSchema, res, 'getUsers').data;
      for (const row of data) {
        const rowEmail = (row.emailAddress ?? '').trim();
        if (rowEmail.toLowerCase() !== wanted) continue;
        if (row.status === 'DELETED') continue;
        if (row.userType === 'SUPPORTREP') {
          ignored += 1;
          continue;
        }
        users.push({ id: row.id, email: rowEmail, helpCenterId });
      }
      if (data.length < LOOKUP_PAGE_SIZE) {
        if (ignored > 0) {
          this.logger.info('Help Center lookup ignored support reps with the same address', {
            helpCenterId,
            supportReps: ignored,
          });
        }
        return users;
      }
    }
    throw new PermanentError(
      `The Help Center search for this address returned more than ${MAX_LOOKUP_PAGES * LOOKUP_PAGE_SIZE} users`,
      'ambiguous',
      {
        errorCode: 'TOO_MANY_RESULTS',
        hint: `the lookup in help center ${helpCenterId} could not be read to the end; record the Help Center user id in the identity store, then redrive`,
      },
    );
  }

  /** Every group the user is in (every page), of one help center when given (verify-after). */
  async listUserGroups(userId: string, helpCenterId?: string): Promise<HelpCenterGroup[]> {
    return (await this.fetchGroups(userId, helpCenterId)).groups;
  }

  /**
   * Removes the user from every group of `helpCenterId` (which must be configured). In dry run,
   * logs the mutating request it would send and sends nothing that changes the Help Center.
   * @throws TransientError, PermanentError, QuotaExceededError
   */
  async removeUserFromAllGroups(
    helpCenterId: string,
    userId: string,
    options: { dryRun?: boolean } = {},
  ): Promise<RemovalResult> {
    const dryRun = options.dryRun ?? false;
    this.assertConfigured(helpCenterId);
    const base = { helpCenterId, userId, dryRun };

    if (this.dialect === 'user-groups-delete') {
      const request = buildRemoveUserFromHelpCenterGroups(helpCenterId, userId);
      if (dryRun) {
        this.logDryRun(request, base);
        return { ...base, outcome: 'removed', httpStatus: 0, calls: 0 };
      }
      const calls = { count: 0 };
      const res = await this.send(request, calls);
      return { ...base, outcome: 'removed', httpStatus: res.status, calls: calls.count };
    }

    const calls = { count: 0 };
    const listed = await this.fetchGroups(userId, helpCenterId, calls);
    // Rows carry helpCenterId (groupMetaResponse); a row without one could be this help center's.
    if (listed.groups.some((g) => g.helpCenterId === '')) throw unattributed('group');
    const groupIds = listed.groups.filter((g) => g.helpCenterId === helpCenterId).map((g) => g.id);
    if (groupIds.length === 0) {
      return {
        ...base,
        outcome: 'no-op',
        groupIds: [],
        httpStatus: listed.status,
        calls: calls.count,
      };
    }
    let httpStatus = listed.status;
    for (let i = 0; i < groupIds.length; i += MAX_IDS_PER_REQUEST) {
      const chunk = groupIds.slice(i, i + MAX_IDS_PER_REQUEST);
      const request = buildDissociateUserGroups(userId, helpCenterId, chunk);
      if (dryRun) {
        this.logDryRun(request, { ...base, groupIds: chunk });
        continue;
      }
      const res = await this.send(request, calls);
      httpStatus = res.status;
      this.checkDissociateResults(res, chunk, userId);
    }
    return { ...base, outcome: 'removed', groupIds, httpStatus, calls: calls.count };
  }

  /**
   * Group-centric removal (seed Approach A): removes `userIds` (never empty) from one group of a
   * configured help center. Not part of the `HelpCenter` port; for operators and batch tools.
   * @throws TransientError, PermanentError
   */
  async removeUsersFromGroup(
    helpCenterId: string,
    groupId: string,
    userIds: readonly string[],
    options: { dryRun?: boolean } = {},
  ): Promise<{ httpStatus: number; calls: number; dryRun: boolean }> {
    this.assertConfigured(helpCenterId);
    const request =
      this.dialect === 'user-groups-delete'
        ? buildRemoveUsersFromGroupInHelpCenter(helpCenterId, groupId, userIds)
        : buildRemoveUsersFromGroup(groupId, userIds);
    if (options.dryRun) {
      this.logDryRun(request, { helpCenterId, groupId, users: userIds.length, dryRun: true });
      return { httpStatus: 0, calls: 0, dryRun: true };
    }
    const calls = { count: 0 };
    const res = await this.send(request, calls);
    return { httpStatus: res.status, calls: calls.count, dryRun: false };
  }

  /**
   * Every group of one configured help center (getHelpCenterGroupList, paged like the lookup). For
   * preflight and the start-up check of the group mapping. @throws TransientError, PermanentError
   */
  async listHelpCenterGroups(helpCenterId: string): Promise<HelpCenterGroup[]> {
    this.assertConfigured(helpCenterId);
    const read = await this.readGroupPages(
      (from) => buildListHelpCenterGroups(helpCenterId, from),
      'getHelpCenterGroupList',
    );
    if (read) {
      return read.rows.map((g) => ({
        id: g.id,
        helpCenterId: g.helpCenterId || helpCenterId,
        ...(g.name ? { name: g.name } : {}),
      }));
    }
    throw new PermanentError(
      `Help center ${helpCenterId} has more than ${MAX_GROUP_PAGES * LOOKUP_PAGE_SIZE} groups`,
      'permanent',
      { errorCode: 'TOO_MANY_RESULTS' },
    );
  }

  /**
   * Sends one allowlisted request (built by request-builders) and returns Zoho's status and error
   * code untranslated, for preflight's probes (which read 404 URL_NOT_FOUND, 405, 403
   * SCOPE_MISMATCH…). A 401 refreshes the token once, as `send` does. Network failures throw.
   */
  async inspect(request: HelpCenterRequest): Promise<{ status: number; errorCode?: string }> {
    assertAllowed(request);
    const calls = { count: 0 };
    const token = await this.tokens.getAccessToken();
    let res = await this.exchange(request, token, calls);
    if (res.status === 401 && zohoErrorCode(res) !== ZOHO_ERROR.orgMismatch) {
      res = await this.exchange(request, await this.tokens.refreshAfterRejection(token), calls);
    }
    const errorCode = res.status >= 400 ? zohoErrorCode(res) : undefined;
    return { status: res.status, ...(errorCode ? { errorCode } : {}) };
  }

  /**
   * Removes one Help Center user's portal access (removePortalUser, User.json). In dry run, logs
   * the request and sends nothing. Zoho documents 404 for this operation when there is no such
   * portal user: that is `already-removed` (a redrive after a removal that did succeed).
   * @throws TransientError, PermanentError (403 SCOPE_MISMATCH: Desk.settings.DELETE)
   */
  async removePortalUser(
    helpCenterId: string,
    userId: string,
    options: { dryRun?: boolean } = {},
  ): Promise<PortalRemovalResult> {
    this.assertConfigured(helpCenterId);
    const request = buildRemovePortalUser(userId);
    const base = { helpCenterId, userId, dryRun: options.dryRun ?? false };
    if (base.dryRun) {
      this.logDryRun(request, base);
      return { ...base, outcome: 'removed', httpStatus: 0, calls: 0 };
    }
    const calls = { count: 0 };
    try {
      const res = await this.send(request, calls);
      return { ...base, outcome: 'removed', httpStatus: res.status, calls: calls.count };
    } catch (error) {
      if (error instanceof PermanentError && error.httpStatus === 404) {
        return { ...base, outcome: 'already-removed', httpStatus: 404, calls: calls.count };
      }
      throw error;
    }
  }

  /** The user's `status` from getUserDetails (User.json userDetailViewJson). */
  async portalUserStatus(helpCenterId: string, userId: string): Promise<string | undefined> {
    this.assertConfigured(helpCenterId);
    const res = await this.send(buildGetUserDetails(userId, helpCenterId));
    return parseBody(GetUserDetailsResponseSchema, res, 'getUserDetails').status ?? undefined;
  }

  private assertConfigured(helpCenterId: string): void {
    if (this.helpCenterIds.has(helpCenterId)) return;
    throw new PermanentError(
      `Help center ${isValidId(helpCenterId) ? helpCenterId : '(malformed id)'} is not configured`,
      'config',
      {
        errorCode: 'HELPCENTER_NOT_CONFIGURED',
        hint: 'add the help center id to HELPCENTER_IDS (or helpCenterIds in the Zoho OAuth secret)',
      },
    );
  }

  /** getUserGroups, every page (1-based, step 50, until a short page). */
  private async fetchGroups(
    userId: string,
    helpCenterId?: string,
    calls?: { count: number },
  ): Promise<{ status: number; groups: HelpCenterGroup[] }> {
    const read = await this.readGroupPages(
      (from) =>
        buildListUserGroups(userId, {
          from,
          ...(helpCenterId !== undefined ? { helpCenterId } : {}),
        }),
      'getUserGroups',
      calls,
    );
    if (read) {
      const groups = read.rows.map((g) => ({
        id: g.id,
        helpCenterId: g.helpCenterId ?? '',
        ...(g.name ? { name: g.name } : {}),
      }));
      return { status: read.status, groups };
    }
    throw new PermanentError(
      `User ${userId} is in more than ${MAX_GROUP_PAGES * LOOKUP_PAGE_SIZE} groups`,
      'permanent',
      {
        errorCode: 'TOO_MANY_RESULTS',
        hint: 'remove the user from some groups in Zoho Desk, then redrive',
      },
    );
  }

  /**
   * Reads a paged group list (1-based, step 50) until a short page: the rows and the last status,
   * or undefined when MAX_GROUP_PAGES pages were all full (the caller says what is too many).
   */
  private async readGroupPages(
    build: (from: number) => HelpCenterRequest,
    operation: string,
    calls?: { count: number },
  ): Promise<{ status: number; rows: z.infer<typeof GroupRowSchema>[] } | undefined> {
    const rows: z.infer<typeof GroupRowSchema>[] = [];
    for (let page = 0; page < MAX_GROUP_PAGES; page += 1) {
      const res = await this.send(build(ZOHO_FIRST_INDEX + page * LOOKUP_PAGE_SIZE), calls);
      const data = res.status === 204 ? [] : parseBody(GroupsResponseSchema, res, operation).data;
      rows.push(...data);
      if (data.length < LOOKUP_PAGE_SIZE) return { status: res.status, rows };
    }
    return undefined;
  }

  private checkDissociateResults(res: Exchange, requested: string[], userId: string): void {
    const parsed = DissociateResponseSchema.safeParse(tryParseJson(res.text));
    if (!parsed.success) {
      throw new TransientError('Help Center answered dissociate without per-group results', {
        httpStatus: res.status,
        errorCode: 'UNEXPECTED_RESPONSE',
      });
    }
    const results = parsed.data.results.map((r) => ({
      ...r,
      id: r.id == null ? '' : String(r.id),
    }));
    const ok = new Set(results.filter((r) => r.success === true).map((r) => r.id));
    const failed = requested.filter((id) => !ok.has(id));
    if (failed.length === 0) return;
    const codes = [
      ...new Set(
        results
          .filter((r) => failed.includes(r.id))
          .flatMap((r) => (r.errors?.errorCode ? [r.errors.errorCode] : [])),
      ),
    ];
    throw new PermanentError(
      `Help Center did not remove user ${userId} from ${failed.length} of ${requested.length} groups: ${failed.join(', ')}`,
      'permanent',
      {
        httpStatus: res.status,
        errorCode: codes.length === 1 ? codes[0] : 'DISSOCIATE_FAILED',
        hint: 'some groups refused the dissociation (see results[].errors); check those groups in Zoho Desk, then redrive',
      },
    );
  }

  private logDryRun(request: HelpCenterRequest, context: Record<string, unknown>): void {
    this.logger.info('Dry run: would send Help Center request', {
      ...context,
      dialect: this.dialect,
      method: request.method,
      path: request.path,
    });
  }

  /**
   * Sends one allowlisted request with the shared token. On 401 it asks the token source once and
   * retries once; any non-2xx answer after that is translated.
   */
  private async send(request: HelpCenterRequest, calls = { count: 0 }): Promise<Exchange> {
    assertAllowed(request);
    const token = await this.tokens.getAccessToken();
    let res = await this.exchange(request, token, calls);
    if (res.status === 401 && zohoErrorCode(res) !== ZOHO_ERROR.orgMismatch) {
      this.logger.info('Help Center rejected the access token; refreshing once', {
        operation: request.operation,
        errorCode: zohoErrorCode(res) ?? null,
      });
      const fresh = await this.tokens.refreshAfterRejection(token);
      res = await this.exchange(request, fresh, calls);
    }
    if (res.status >= 200 && res.status < 300) return res;
    throw this.translate(request, res);
  }

  private async exchange(
    request: HelpCenterRequest,
    token: string,
    calls: { count: number },
  ): Promise<Exchange> {
    return this.limiter.run(async () => {
      calls.count += 1;
      const headers: Record<string, string> = {
        authorization: `Zoho-oauthtoken ${token}`,
        orgid: this.orgId,
        accept: 'application/json',
      };
      if (request.body !== undefined) headers['content-type'] = 'application/json';
      let res: Exchange;
      try {
        const out = await this.dispatcher.request({
          origin: this.origin,
          path: request.path,
          method: request.method,
          headers,
          ...(request.body !== undefined ? { body: request.body } : {}),
          ...timeoutOptions(this.timeoutMs),
        });
        res = { status: out.statusCode, headers: out.headers, text: await readText(out.body) };
      } catch (error) {
        if (error instanceof TransientError) throw error;
        throw networkError(`Help Center ${request.operation}`, error);
      }
      this.logger.debug('Help Center call', {
        operation: request.operation,
        method: request.method,
        status: res.status,
      });
      return res;
    });
  }

  private translate(request: HelpCenterRequest, res: Exchange): AppError {
    const status = res.status;
    const errorCode = zohoErrorCode(res) ?? `HTTP_${status}`;
    const contract = ZOHO_OPERATIONS[contractOperation(request.operation)];
    const message = `Help Center answered ${status} ${errorCode} to ${contract.operationId}`;
    const base = { httpStatus: status, errorCode };
    // Classified by code first: Zoho's spec documents the codes, not the status each comes with.
    if (errorCode === ZOHO_ERROR.thresholdExceeded) {
      return new QuotaExceededError(message, { ...base, hint: HINTS.quota });
    }
    if (errorCode === ZOHO_ERROR.orgMismatch) {
      return new PermanentError(message, 'config', { ...base, hint: HINTS.org });
    }
    if (status === 429 || status === 408 || status >= 500) {
      const retryAfterMs = parseRetryAfter(res.headers['retry-after'], this.clock);
      return new TransientError(message, {
        ...base,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
      });
    }
    if (status === 401) return new PermanentError(message, 'auth', { ...base, hint: HINTS.auth });
    if (status === 403) {
      return errorCode === ZOHO_ERROR.scopeMismatch
        ? new PermanentError(message, 'scope', {
            ...base,
            hint: `the token lacks the scope ${contract.operationId} needs (${describeScopes(contractOperation(request.operation))}); ${dialectScopeHint(this.dialect)}. Grant them to the OAuth client, mint a new refresh token, then redrive`,
          })
        : new PermanentError(message, 'permanent', { ...base, hint: HINTS.forbidden });
    }
    if (status === 404) {
      if (errorCode === ZOHO_ERROR.urlNotFound) {
        return new PermanentError(message, 'permanent', {
          ...base,
          hint: contract.published ? HINTS.url : HINTS.dialect,
        });
      }
      return new PermanentError(message, 'not-found', base);
    }
    if (status === 422 && errorCode === ZOHO_ERROR.invalidData) {
      return new PermanentError(message, 'permanent', { ...base, hint: HINTS.invalid });
    }
    return new PermanentError(message, 'permanent', base);
  }
}

function zohoErrorCode(res: Exchange): string | undefined {
  const body = tryParseJson(res.text);
  if (typeof body !== 'object' || body === null) return undefined;
  const code = (body as Record<string, unknown>).errorCode;
  return typeof code === 'string' && /^[A-Za-z0-9_.-]{1,64}$/.test(code) ? code : undefined;
}

function parseBody<S extends z.ZodMiniType>(
  schema: S,
  res: Exchange,
  operation: string,
): z.infer<S> {
  const parsed = schema.safeParse(tryParseJson(res.text));
  if (parsed.success) return parsed.data;
  throw new TransientError(`Help Center answered ${operation} with an unexpected body`, {
    httpStatus: res.status,
    errorCode: 'UNEXPECTED_RESPONSE',
  });
}

/** The Help Center answered without the help center id the mapping needs (fail closed). */
function unattributed(what: 'user' | 'group'): PermanentError {
  return new PermanentError(
    `The Help Center listed a ${what} without a helpCenterId`,
    'permanent',
    {
      errorCode: 'UNEXPECTED_RESPONSE',
      hint: 'the API did not say which help center this belongs to, so nothing was removed; check HELPCENTER_API and the Zoho Desk API version, or record the ids in the identity store, then redrive',
    },
  );
}
