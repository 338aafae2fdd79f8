import { describeGroupMapping, parseGroupMapping } from '#core/config/group-mapping.ts';
import { MESSAGE_ATTRIBUTE } from '#core/contract/message-attributes.ts';
import { LOCAL_ROUTE, ROUTE } from '#core/contract/routes.ts';
import { SERVICE_NAME } from '#core/contract/service.ts';
import type { LocalConfig, LocalSecretName } from './config.ts';
import type { LocalService } from './runner.ts';

const ENV_OF_SECRET: Record<LocalSecretName, string> = {
  OKTA_EVENT_HOOK_AUTHORIZATION: 'OKTA_EVENT_HOOK_AUTHORIZATION',
  SCIM_BEARER_TOKEN: 'SCIM_BEARER_TOKEN',
  GRAPH_CLIENT_STATE: 'GRAPH_CLIENT_STATE',
  WEBHOOK_SIGNING_SECRET: 'WEBHOOK_SIGNING_SECRET',
};

/** A secret as the banner may show it: the built-in default, or a reference to the user's env var. */
function shown(config: LocalConfig, name: LocalSecretName): { value: string; env: boolean } {
  return config.userSecrets.has(name)
    ? { value: `$${ENV_OF_SECRET[name]}`, env: true }
    : { value: config.secrets[name], env: false };
}

/** The start-up banner: what runs where, and one curl that deprovisions a demo user. */
export function banner(config: LocalConfig, service: LocalService): string {
  const u = service.url;
  const okta = shown(config, 'OKTA_EVENT_HOOK_AUTHORIZATION');
  const lines = [
    '',
    `${SERVICE_NAME} — ${config.mode === 'local' ? 'local mode (embedded defaults: no AWS, no Zoho account)' : 'real-service mode (SQS, Secrets Manager, DynamoDB)'}`,
    '',
    `  Service          ${u}   (health: ${u}${LOCAL_ROUTE.HEALTH})`,
    `  Okta Event Hook  ${u}${ROUTE.OKTA_EVENT_HOOK}`,
    `  SCIM 2.0         ${u}${ROUTE.SCIM_V2}`,
    `  Graph            ${u}${ROUTE.GRAPH_NOTIFICATIONS}`,
    `  Signed webhook   ${u}${ROUTE.SIGNED_WEBHOOK}`,
    `  Help Center      ${service.helpCenterBaseUrl}${service.sandbox ? `   (sandbox seeded from ${config.SANDBOX_SEED})` : ''}`,
    ...(service.sandbox ? [`  Sandbox state    ${service.sandbox.url}/_sandbox/state`] : []),
    ...(service.graphStandin
      ? [
          `  Graph stand-in   ${service.graphStandin.url}   (state: ${service.graphStandin.stateUrl})`,
        ]
      : []),
    `  Help centers     ${service.helpCenterIds.join(', ')}   (dialect ${config.HELPCENTER_API}${config.DRY_RUN ? ', DRY RUN' : ''})`,
    `  Portal access    ${config.REMOVE_PORTAL_ACCESS ? 'removed after a full deprovision (REMOVE_PORTAL_ACCESS=true; token needs Desk.settings.DELETE)' : 'kept (REMOVE_PORTAL_ACCESS=false)'}`,
    ...(service.dlqPath
      ? [
          `  Dead letters     ${service.dlqPath}`,
          `  Redrive          curl -sS -X POST ${u}${LOCAL_ROUTE.REDRIVE} -d '{"${MESSAGE_ATTRIBUTE.FAILURE_KIND}":"transient"}'   (all fields optional)`,
        ]
      : []),
    ...(service.identityPath ? [`  Identity store   ${service.identityPath}`] : []),
    ...describeGroupMapping(parseGroupMapping(config.GROUP_MAPPING)).map(
      (line, i) => `  ${i === 0 ? 'Group mapping   ' : '                '} ${line}`,
    ),
  ];
  if (config.mode === 'local') {
    const defaults = (Object.keys(ENV_OF_SECRET) as LocalSecretName[]).filter(
      (n) => !config.userSecrets.has(n),
    );
    lines.push(
      defaults.length > 0
        ? `  Local secrets    built-in defaults: ${defaults.map((n) => `${n}=${config.secrets[n]}`).join('  ')}`
        : '  Local secrets    all set from your environment (not shown)',
    );
  }
  lines.push(
    '',
    'Try it: deprovision alice@example.com through the Okta route (run from the repository root):',
    '',
    `  curl -sS -i -X POST ${u}${ROUTE.OKTA_EVENT_HOOK} \\`,
    `    -H ${okta.env ? `"Authorization: ${okta.value}"` : `'Authorization: ${okta.value}'`} -H 'Content-Type: application/json' \\`,
    '    --data @local/examples/okta-deactivate-alice.json',
    '',
    ...(service.sandbox
      ? [`then watch her leave every group:  curl -sS ${service.sandbox.url}/_sandbox/state`, '']
      : []),
    config.mode === 'local'
      ? 'Ctrl-C finishes the requests in flight and exits; queued work stays in the journal for the next start.'
      : 'Ctrl-C finishes the requests in flight and exits; queued work stays in the SQS work queue.',
    '',
  );
  return lines.join('\n');
}
