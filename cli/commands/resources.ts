import { resolve } from 'node:path';
import { ENV } from '#core/contract/env-names.ts';
import { LOCAL_DEFAULT_SECRETS, REAL_SERVICE_ENV } from '../../local/config.ts';
import { loadSeed, seedOAuthSecret } from '../../local/sandbox/seed.ts';
import { parse, UsageError } from '../args.ts';
import { type Io, table } from '../output.ts';

export const RESOURCES_HELP = `Usage: helpcenter-deprovisioner resources <create|delete> [options]

Makes the stack's queues, tables and secrets on moto or LocalStack (AWS_ENDPOINT_URL), from the
template \`cdk synth\` makes, for real-service mode (\`npm start\` with the printed variables). A real
account gets them from \`cdk deploy\` instead: these commands refuse to run without AWS_ENDPOINT_URL.

  create   the work queue and its dead-letter queue (the template's redrive policy and attributes),
           both tables (keys, indexes, TTL) and the secrets. The Zoho OAuth secret gets the sandbox
           seed's client, refresh token, org id and help centers (accounts URL: the Help Center
           URL), the webhook secret the local runner's default values, the token secret stays {}
           for the refresher. Prints \`export NAME=value\` lines on stdout, so
           eval "$(npx helpcenter-deprovisioner resources create)" sets them; what it made (or
           found: a re-run with the same prefix reports "exists" and changes nothing) on stderr.
  delete   deletes every resource named with the prefix (what is not there: "absent").

Options:
  --prefix <name>            physical names are <prefix>-<logical id> (default hcd-local)
  --help-center-url <url>    the Help Center: HELPCENTER_BASE_URL and the OAuth secret's accounts
                             URL (default http://127.0.0.1:3001, the sandbox: npm run sandbox)
  --api-url <url>            the intake API, exported as API_URL for preflight's webhook checks
                             (default http://127.0.0.1:3000, npm start)
  --seed <file>              sandbox seed for the OAuth secret (default local/seed.json)
Common: --json (create: {"env": {...}, "resources": [...]}), --help
Exit codes: 0 done, 1 an AWS call failed, 2 usage, no AWS_ENDPOINT_URL or no aws-cdk-lib.`;

export const DEFAULT_RESOURCE_PREFIX = 'hcd-local';

/** Loads the shared creation code; aws-cdk-lib is a devDependency. @throws UsageError without it */
async function loadStackResources() {
  try {
    return await import('../stack-resources.ts');
  } catch (error) {
    const message = error instanceof Error ? error.message : String(error);
    if (/aws-cdk-lib|constructs|cdk-nag/.test(message)) {
      throw new UsageError(
        `resources needs aws-cdk-lib (a devDependency) to synthesize the stack: run it from the repository after \`npm install\` (${message.split('\n')[0]})`,
      );
    }
    throw error;
  }
}

/** Single-quoted for a POSIX shell. */
function shellQuote(value: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(value) ? value : `'${value.replace(/'/g, `'\\''`)}'`;
}

function url(flag: string, value: string): string {
  try {
    return new URL(value).toString().replace(/\/+$/, '');
  } catch {
    throw new UsageError(`--${flag} must be a URL (got "${value}")`);
  }
}

export async function resourcesCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    prefix: { type: 'string', default: DEFAULT_RESOURCE_PREFIX },
    'help-center-url': { type: 'string', default: 'http://127.0.0.1:3001' },
    'api-url': { type: 'string', default: 'http://127.0.0.1:3000' },
    seed: { type: 'string', default: 'local/seed.json' },
  });
  const [action, ...extra] = positionals;
  if (values.help) {
    io.out(RESOURCES_HELP);
    return 0;
  }
  if (action !== 'create' && action !== 'delete') {
    throw new UsageError(
      `resources needs "create" or "delete"${action === undefined ? '' : ` (got "${action}")`}\n\n${RESOURCES_HELP}`,
    );
  }
  if (extra.length > 0) throw new UsageError(`unexpected argument "${extra[0]}"`);
  const endpoint = io.env.AWS_ENDPOINT_URL?.trim();
  if (!endpoint) {
    throw new UsageError(
      "AWS_ENDPOINT_URL is not set: `resources` makes the stack's resources on moto or LocalStack only " +
        '(e.g. AWS_ENDPOINT_URL=http://127.0.0.1:5000 AWS_REGION=us-east-1 AWS_ACCESS_KEY_ID=testing ' +
        'AWS_SECRET_ACCESS_KEY=testing). In a real AWS account the stack makes them: `npx cdk deploy`.',
    );
  }
  const { RESOURCE_PREFIX, StackResources, synthesizeStack } = await loadStackResources();
  const prefix = values.prefix;
  if (!RESOURCE_PREFIX.test(prefix)) {
    throw new UsageError(
      `--prefix must be letters, digits and dashes, at most 30, starting with a letter or digit (got "${prefix}")`,
    );
  }
  // The stage name only names the synthesized stack; the stage config is the default one.
  const synthesized = synthesizeStack({}, 'local');

  if (action === 'delete') {
    const outcomes = await StackResources.delete(synthesized, { prefix });
    if (values.json) io.out(JSON.stringify({ resources: outcomes }, null, 2));
    // The table goes to stderr, as `create`'s does (stdout is for what scripts read).
    else
      io.err(
        table(
          ['STATUS', 'TYPE', 'NAME'],
          outcomes.map((o) => [o.status, o.type, o.name]),
        ),
      );
    return 0;
  }

  const helpCenterUrl = url('help-center-url', values['help-center-url']);
  const apiUrl = url('api-url', values['api-url']);
  const seed = await loadSeed(resolve(io.cwd, values.seed)).catch((error: unknown) => {
    throw new UsageError(`--seed: ${error instanceof Error ? error.message : String(error)}`);
  });
  const resources = await StackResources.create(synthesized, { prefix });
  const { secrets } = synthesized.stack;
  // README "Deploy": what an operator puts into the secrets, here for the sandbox and the local
  // runner's default webhook secrets. Merged on every run, so a re-run with another
  // --help-center-url points the accounts URL there; the token secret is the refresher's.
  await resources.putSecretKeys(
    resources.refOf(secrets.zohoOAuth),
    seedOAuthSecret(seed, helpCenterUrl),
  );
  await resources.putSecretKeys(resources.refOf(secrets.webhook), {
    oktaAuthorization: LOCAL_DEFAULT_SECRETS.OKTA_EVENT_HOOK_AUTHORIZATION,
    scimBearerToken: LOCAL_DEFAULT_SECRETS.SCIM_BEARER_TOKEN,
    graphClientState: LOCAL_DEFAULT_SECRETS.GRAPH_CLIENT_STATE,
    webhookSigningSecret: LOCAL_DEFAULT_SECRETS.WEBHOOK_SIGNING_SECRET,
  });

  // The names and values exactly as the template gives them to the functions the runner plays.
  const template = {
    ...resources.environmentOf('token-refresher'),
    ...resources.environmentOf('ingest'),
    ...resources.environmentOf('worker'),
  };
  const env: Record<string, string> = {
    AWS_ENDPOINT_URL: endpoint,
    AWS_REGION: resources.region,
  };
  // The variables real-service mode reads, taken from the template's environments.
  for (const name of REAL_SERVICE_ENV) {
    const value = template[name];
    if (value === undefined) throw new Error(`the template sets ${name} for no function`);
    env[name] = value;
  }
  env[ENV.HELPCENTER_BASE_URL] = helpCenterUrl;
  env.API_URL = apiUrl;

  if (values.json) {
    io.out(JSON.stringify({ env, resources: resources.outcomes }, null, 2));
  } else {
    io.err(
      table(
        ['STATUS', 'TYPE', 'NAME'],
        resources.outcomes.map((o) => [o.status, o.type, o.name]),
      ),
    );
    io.err(
      `# Set these in your shell: eval "$(AWS_ENDPOINT_URL=${env.AWS_ENDPOINT_URL ?? ''} npx helpcenter-deprovisioner resources create${prefix === DEFAULT_RESOURCE_PREFIX ? '' : ` --prefix ${prefix}`})"`,
    );
    for (const [name, value] of Object.entries(env)) io.out(`export ${name}=${shellQuote(value)}`);
  }
  return 0;
}
