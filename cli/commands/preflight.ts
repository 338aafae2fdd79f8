import { DescribeTableCommand, DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { GetSecretValueCommand } from '@aws-sdk/client-secrets-manager';
import { GetQueueAttributesCommand } from '@aws-sdk/client-sqs';
import { parseGroupMapping } from '#core/config/group-mapping.ts';
import { ENV } from '#core/contract/env-names.ts';
import { IDENTITY_TABLE } from '#core/contract/tables.ts';
import { ConfigError, isAppError } from '#core/domain/errors.ts';
import { WebhookSecretsSchema } from '#core/intake/webhook-secrets.ts';
import { parseOAuthSecret } from '#core/tokens/oauth-secret.ts';
import { parseTokenSecret } from '#core/tokens/token-secret.ts';
import { parse } from '../args.ts';
import {
  type AwsTarget,
  buildWorker,
  required,
  resolveTarget,
  runnerHealth,
  secretsClient,
  sqsClient,
  type Target,
  unreachableFix,
} from '../compose.ts';
import type { Io } from '../output.ts';
import { webhookChecks } from './preflight-webhooks.ts';
import {
  type Check,
  type DialectFinding,
  dialectCheck,
  groupMappingChecks,
  scopeChecks,
} from './preflight-zoho.ts';

export const PREFLIGHT_HELP = `Usage: helpcenter-deprovisioner preflight [options]

Checks, without changing anything: the AWS resources (queues and redrive policy, tables with their
indexes, secrets with every key), a Zoho token (minted locally, the shared one on AWS), the org id,
that a directory lookup is allowed in every configured help center, which dialect the org serves
(HELPCENTER_API), that the token's scopes allow each request the dialect sends, that every mapped
Help Center group (GROUP_MAPPING) exists, and that the webhook endpoints answer. One line per
check: PASS, or FAIL with the fix. Exit 1 when a check fails.
Common: --json, --aws, --stage <stage>, --url <runner url>, --help`;

async function run(
  check: string,
  fn: () => Promise<string>,
  fix: (e: unknown) => string,
): Promise<Check> {
  try {
    return { check, ok: true, detail: await fn() };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return { check, ok: false, detail: message, fix: fix(error) };
  }
}

const hintOr = (fallback: string) => (error: unknown) =>
  isAppError(error) && error.hint ? error.hint : fallback;

export async function preflightCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values } = parse(argv, {});
  if (values.help) {
    io.out(PREFLIGHT_HELP);
    return 0;
  }
  const target = await resolveTarget(values, io.env, io.cwd);
  const checks: Check[] = target.kind === 'aws' ? await awsChecks(target) : [];
  if (target.kind === 'local') {
    const health = await runnerHealth(target);
    checks.push({
      check: 'local runner',
      ok: true,
      detail: health.up
        ? `up at ${target.runnerUrl}`
        : `not running at ${target.runnerUrl} (checks use its configuration)`,
    });
  }
  const zoho = await helpCenterChecks(target);
  checks.push(...zoho.checks);
  checks.push(
    ...(await webhookChecks(target.kind === 'local' ? target.runnerUrl : target.env.API_URL, {
      local: target.kind === 'local',
    })),
  );
  if (values.json) {
    io.out(
      JSON.stringify(
        {
          ok: checks.every((c) => c.ok),
          ...(zoho.dialect ? { dialect: zoho.dialect } : {}),
          checks,
        },
        null,
        2,
      ),
    );
  } else {
    for (const c of checks) {
      io.out(
        `${c.ok ? 'PASS' : 'FAIL'}  ${c.check}: ${c.detail}${c.fix ? `\n      fix: ${c.fix}` : ''}`,
      );
    }
  }
  return checks.every((c) => c.ok) ? 0 : 1;
}

async function helpCenterChecks(
  target: Target,
): Promise<{ checks: Check[]; dialect?: DialectFinding }> {
  let worker: Awaited<ReturnType<typeof buildWorker>> | undefined;
  const setup = await run(
    'Zoho OAuth settings',
    async () => {
      worker = await buildWorker(target);
      return `dialect ${worker.dialect}, help centers ${worker.deps.helpCenterIds.join(', ')}, ${worker.deps.baseUrl}`;
    },
    (error) =>
      target.kind === 'local' && error instanceof ConfigError && !error.hint
        ? 'correct the setting the message names (preflight reads the same settings as `npm start`; see Configuration)'
        : hintOr('set the org id, client, refresh token and help center ids (see Configuration)')(
            error,
          ),
  );
  if (!worker) return { checks: [setup, ...mappingShapeProblem(target)] };
  const w = worker;
  try {
    const lookup = await run(
      'token, org id and directory lookup in every help center',
      async () => {
        // A harmless read in each configured help center (GET /api/v1/users?searchBy=…).
        const found = await w.deps.helpCenter.findUsersByEmail('preflight-check@example.invalid');
        return `token accepted, org id accepted, lookup allowed (${found.length} match for the probe address)`;
      },
      (error) =>
        unreachableFix(target, w.deps.baseUrl, isAppError(error) ? error : {}) ??
        hintOr('check the org id, the refresh token and its scopes')(error),
    );
    if (!lookup.ok) return { checks: [setup, lookup, ...mappingShapeProblem(target)] };
    const probes = await zohoProbes(target, w);
    return { checks: [setup, lookup, ...probes.checks], dialect: probes.dialect };
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    return {
      checks: [
        setup,
        { check: 'Help Center probes', ok: false, detail: message, fix: 'rerun preflight' },
      ],
    };
  } finally {
    await w.close();
  }
}

function mappingFailure(error: unknown): Check {
  return {
    check: 'group mapping',
    ok: false,
    detail: error instanceof Error ? error.message : String(error),
    fix: `correct ${ENV.GROUP_MAPPING} (see Group mapping in the README)`,
  };
}

/**
 * A malformed GROUP_MAPPING (JSON, shape, duplicates) needs no Help Center to be found: it is
 * reported even when the checks that read the Help Center could not run.
 */
function mappingShapeProblem(target: Target): Check[] {
  try {
    parseGroupMapping(target.env[ENV.GROUP_MAPPING]);
    return [];
  } catch (error) {
    return [mappingFailure(error)];
  }
}

/** Dialect, per-request scopes and the group mapping: reads, and writes naming only id 0. */
async function zohoProbes(
  target: Target,
  w: Awaited<ReturnType<typeof buildWorker>>,
): Promise<{ checks: Check[]; dialect: DialectFinding }> {
  const client = w.deps.zoho;
  const helpCenterId = w.deps.helpCenterIds[0] ?? '';
  const dialect = await dialectCheck(client, w.dialect, helpCenterId);
  const checks: Check[] = [dialect.check];
  let mapping: ReturnType<typeof parseGroupMapping> | undefined;
  try {
    mapping = parseGroupMapping(target.env[ENV.GROUP_MAPPING], {
      helpCenterIds: w.deps.helpCenterIds,
    });
  } catch (error) {
    checks.push(mappingFailure(error));
  }
  checks.push(
    ...(await scopeChecks(client, dialect.finding, helpCenterId, {
      mapped: (mapping?.size ?? 0) > 0,
      portalAccess: w.removePortalAccess,
    })),
  );
  if (mapping) checks.push(...(await groupMappingChecks(client, mapping)));
  return { checks, dialect: dialect.finding };
}

async function awsChecks(target: AwsTarget): Promise<Check[]> {
  const checks: Check[] = [];
  checks.push(
    await run(
      'work queue and its dead-letter queue',
      async () => {
        const work = required(target, ENV.WORK_QUEUE_URL);
        const dlq = required(target, ENV.DEAD_LETTER_QUEUE_URL);
        const a = await sqsClient().send(
          new GetQueueAttributesCommand({ QueueUrl: work, AttributeNames: ['RedrivePolicy'] }),
        );
        const d = await sqsClient().send(
          new GetQueueAttributesCommand({ QueueUrl: dlq, AttributeNames: ['QueueArn'] }),
        );
        const policy = a.Attributes?.RedrivePolicy
          ? JSON.parse(a.Attributes.RedrivePolicy)
          : undefined;
        if (!policy || policy.deadLetterTargetArn !== d.Attributes?.QueueArn) {
          throw new Error('the work queue does not redrive to DEAD_LETTER_QUEUE_URL');
        }
        return `both exist; redrive after ${policy.maxReceiveCount} receives`;
      },
      () =>
        'set WORK_QUEUE_URL / DEAD_LETTER_QUEUE_URL to the stack outputs (or redeploy the stack)',
    ),
  );
  checks.push(
    await run(
      'identity table and its indexes',
      async () => {
        const name = required(target, ENV.IDENTITY_TABLE_NAME);
        const out = await new DynamoDBClient({}).send(
          new DescribeTableCommand({ TableName: name }),
        );
        const have = new Set((out.Table?.GlobalSecondaryIndexes ?? []).map((i) => i.IndexName));
        const missing = Object.values(IDENTITY_TABLE.indexes)
          .map((i) => i.indexName)
          .filter((n) => !have.has(n));
        if (missing.length > 0) throw new Error(`missing index(es): ${missing.join(', ')}`);
        return `${name} with ${Object.keys(IDENTITY_TABLE.indexes).length} indexes`;
      },
      () =>
        'deploy the stack (it creates the table with every index) or point IDENTITY_TABLE_NAME at it',
    ),
  );
  checks.push(
    await run(
      'idempotency table',
      async () => {
        const name = required(target, ENV.IDEMPOTENCY_TABLE_NAME);
        await new DynamoDBClient({}).send(new DescribeTableCommand({ TableName: name }));
        return name;
      },
      () => 'set IDEMPOTENCY_TABLE_NAME to the stack output',
    ),
  );
  const secret = async (name: string) => {
    const out = await secretsClient().send(
      new GetSecretValueCommand({ SecretId: required(target, name) }),
    );
    return out.SecretString ?? '';
  };
  checks.push(
    await run(
      'Zoho OAuth secret keys',
      async () => {
        const parsed = parseOAuthSecret(
          await secret(ENV.ZOHO_OAUTH_SECRET_ARN),
          'the OAuth secret',
        );
        return `org id ${parsed.orgId}, every key present`;
      },
      () =>
        'put clientId, clientSecret, refreshToken, orgId and dataCentre or accountsUrl (see Deploy step 3)',
    ),
  );
  checks.push(
    await run(
      'webhook secret keys',
      async () => {
        const parsed = WebhookSecretsSchema.parse(JSON.parse(await secret(ENV.WEBHOOK_SECRET_ARN)));
        const missing = Object.keys(WebhookSecretsSchema.shape).filter(
          (k) => parsed[k as keyof typeof parsed] === undefined,
        );
        if (missing.length > 0) throw new Error(`missing key(s): ${missing.join(', ')}`);
        return 'every key present';
      },
      () => 'add the missing keys to the webhook secret (see Deploy step 3)',
    ),
  );
  checks.push(
    await run(
      'shared token secret',
      async () => {
        const token = parseTokenSecret(await secret(ENV.ZOHO_TOKEN_SECRET_ARN));
        if (!token) return 'no token yet: the first worker or the refresher mints one';
        return `token expires ${token.expiresAt}`;
      },
      () => 'set ZOHO_TOKEN_SECRET_ARN to the stack output',
    ),
  );
  return checks;
}
