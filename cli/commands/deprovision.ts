import { randomUUID } from 'node:crypto';
import { mapSubject } from '#core/deprovision/map-subject.ts';
import { describeFailure, processDeprovision } from '#core/deprovision/process-deprovision.ts';
import type { DeadLetterRecord } from '#core/domain/dead-letter.ts';
import { DeprovisionRequestSchema, looksLikeEmail } from '#core/domain/deprovision-request.ts';
import { AmbiguousUserError, isAppError } from '#core/domain/errors.ts';
import type { HelpCenterGroup } from '#core/ports/help-center.ts';
import { parse, UsageError } from '../args.ts';
import { buildWorker, resolveTarget, unreachableFix } from '../compose.ts';
import type { Io } from '../output.ts';

export const DEPROVISION_HELP = `Usage: helpcenter-deprovisioner deprovision <email | idp user id> [options]

Runs one request through the worker's code (identity store, then the Help Center directory by exact
email; never acts on an ambiguous match) against the configured Help Center: the local sandbox of
\`npm start\` (SANDBOX_PORT) by default, HELPCENTER_BASE_URL with ZOHO_* when set, or the deployed
stack's secrets with --aws/--stage.

  --dry-run                 print what would be removed (harmless reads only) and change nothing
  --help-center <id>        only this help center (repeatable; default: every configured one)

A failure is reported here (kind, hint; exit 1), not written to the dead-letter queue.
Common: --json, --aws, --stage <stage>, --help`;

interface Planned {
  helpCenterId: string;
  userId: string;
  groups: HelpCenterGroup[] | undefined;
}

export async function deprovisionCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    'dry-run': { type: 'boolean', default: false },
    'help-center': { type: 'string', multiple: true },
  });
  if (values.help) {
    io.out(DEPROVISION_HELP);
    return 0;
  }
  const who = positionals[0];
  if (who === undefined || positionals.length > 1) {
    throw new UsageError('deprovision needs exactly one <email | idp user id>');
  }
  const now = new Date().toISOString();
  const parsed = DeprovisionRequestSchema.safeParse({
    schemaVersion: 1,
    requestId: `manual-${randomUUID()}`,
    source: 'manual',
    subject: looksLikeEmail(who) ? { email: who } : { idpUserId: who },
    reason: values['dry-run'] ? 'manual dry run (CLI)' : 'manual deprovision (CLI)',
    occurredAt: now,
    receivedAt: now,
    ...(values['help-center'] ? { helpCenterIds: values['help-center'] } : {}),
  });
  if (!parsed.success) throw new UsageError(`"${who}" is not an email or an IdP user id`);
  const request = parsed.data;
  const target = await resolveTarget(values, io.env, io.cwd);
  const worker = await buildWorker(target);
  try {
    const { deps } = worker;
    /** An unreachable Help Center's fix replaces the generic hint (locally: start npm start). */
    const withFix = (failure: Failure): Failure => {
      const fix = unreachableFix(target, deps.baseUrl, failure);
      return fix === undefined ? failure : { ...failure, hint: fix };
    };
    const helpCenterIds = request.helpCenterIds
      ? deps.helpCenterIds.filter((id) => request.helpCenterIds?.includes(id))
      : deps.helpCenterIds;
    if (request.helpCenterIds && helpCenterIds.length !== request.helpCenterIds.length) {
      throw new UsageError(
        `--help-center must be one of the configured help centers: ${deps.helpCenterIds.join(', ')}`,
      );
    }
    let plan: Planned[];
    let via: string;
    let reason: string | undefined;
    try {
      const mapping = await mapSubject(deps, request.subject, helpCenterIds);
      via = mapping.via;
      reason = mapping.reason;
      plan = await Promise.all(
        mapping.targets.map(async (t) => ({ ...t, groups: await groupsOf(deps, t) })),
      );
    } catch (error) {
      if (error instanceof AmbiguousUserError) {
        printFailure(io, values.json, who, {
          kind: 'ambiguous',
          message: `${error.message}: not acting on an ambiguous match`,
          hint: `candidates ${error.candidateUserIds.join(', ')}: remove the duplicate in Zoho Desk, or link the right one with \`identities link ${who} --help-center ${error.helpCenterId} --user <id>\` (stop npm start first: it owns the local identity file)`,
        });
        return 1;
      }
      // Configuration errors end the command with exit 2 (main); any other failure before a
      // removal (token, lookup) is described as a failed removal is (kind, code, hint).
      if (isAppError(error) && error.kind === 'config') throw error;
      printFailure(io, values.json, who, withFix(describeFailure(error)));
      return 1;
    }
    if (values['dry-run']) {
      report(io, values.json, {
        dryRun: true,
        subject: who,
        via,
        reason,
        plan,
        portalAccess: worker.removePortalAccess,
      });
      return 0;
    }
    const outcome = await processDeprovision(deps, request, {
      messageId: request.requestId,
      receiveCount: 1,
      guardReleased: true,
    });
    if (!('failure' in outcome)) {
      report(io, values.json, {
        dryRun: false,
        subject: who,
        via: outcome.via,
        reason: outcome.reason,
        plan,
        outcome: outcome.kind,
        portalAccess: worker.removePortalAccess,
      });
      return 0;
    }
    printFailure(io, values.json, who, withFix(outcome.failure));
    return 1;
  } finally {
    await worker.close();
  }
}

/** Current groups of one target (a harmless read), or undefined when they cannot be read. */
async function groupsOf(
  deps: Awaited<ReturnType<typeof buildWorker>>['deps'],
  t: { helpCenterId: string; userId: string },
): Promise<HelpCenterGroup[] | undefined> {
  try {
    return (await deps.helpCenter.listUserGroups(t.userId)).filter(
      (g) => g.helpCenterId === t.helpCenterId,
    );
  } catch {
    return undefined;
  }
}

type Failure = DeadLetterRecord['failure'];

/** A failure, the same way for every kind: `Failed (kind…): message` and its hint, or JSON. */
function printFailure(
  io: Io,
  json: boolean,
  subject: string,
  f: { kind: string; message: string; hint?: string; httpStatus?: number; errorCode?: string },
): void {
  if (json) {
    io.out(JSON.stringify({ subject, outcome: 'failed', failure: f }, null, 2));
    return;
  }
  io.out(
    `Failed (${f.kind}${f.httpStatus ? `, HTTP ${f.httpStatus}` : ''}${f.errorCode ? ` ${f.errorCode}` : ''}): ${f.message}${f.hint ? `\nhint: ${f.hint}` : ''}`,
  );
}

function report(
  io: Io,
  json: boolean,
  r: {
    dryRun: boolean;
    subject: string;
    via: string;
    reason: string | undefined;
    plan: Planned[];
    outcome?: string;
    /** REMOVE_PORTAL_ACCESS: each user's portal access goes too, after the groups. */
    portalAccess: boolean;
  },
): void {
  if (json) {
    io.out(
      JSON.stringify(
        {
          subject: r.subject,
          dryRun: r.dryRun,
          outcome: r.outcome ?? (r.plan.length > 0 ? 'would-remove' : 'no-op'),
          via: r.via,
          ...(r.reason ? { reason: r.reason } : {}),
          targets: r.plan.map((p) => ({
            helpCenterId: p.helpCenterId,
            userId: p.userId,
            groups: p.groups?.map((g) => ({ id: g.id, name: g.name })) ?? null,
            portalAccess: r.portalAccess,
          })),
        },
        null,
        2,
      ),
    );
    return;
  }
  if (r.plan.length === 0) {
    io.out(
      `No Help Center user for ${r.subject} (${r.reason ?? 'no match'}): nothing ${r.dryRun ? 'would change' : 'changed'}.`,
    );
    return;
  }
  const verb = r.dryRun ? 'would remove' : 'removed';
  for (const p of r.plan) {
    const names = p.groups?.map((g) => g.name ?? g.id);
    const groups =
      names === undefined
        ? 'every group'
        : names.length === 0
          ? 'no group (it is in none)'
          : `groups ${names.join(', ')}`;
    io.out(
      `${verb} user ${p.userId} (${r.subject}) from ${groups} in help center ${p.helpCenterId}${r.portalAccess ? `, then their portal access (POST /api/v1/portalUsers/${p.userId}/removeUser)` : ''}`,
    );
  }
  io.out(
    r.dryRun
      ? `Dry run: nothing was changed (matched via ${r.via}).`
      : `Done: ${r.outcome} (matched via ${r.via}).`,
  );
}
