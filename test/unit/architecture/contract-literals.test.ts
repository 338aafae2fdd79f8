import { execSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { describe, expect, it } from 'vitest';
import { DEFAULTS } from '#core/contract/defaults.ts';
import { ENV } from '#core/contract/env-names.ts';
import {
  CUSTOM_EVENT_DETAIL_TYPE,
  DEFAULT_CUSTOM_EVENT_SOURCE,
  OKTA_PARTNER_SOURCE_PREFIX,
} from '#core/contract/events.ts';
import { MESSAGE_ATTRIBUTE } from '#core/contract/message-attributes.ts';
import { METRIC, METRICS_NAMESPACE } from '#core/contract/metrics.ts';
import { INTAKE_ROUTES, LOCAL_ROUTE, ROUTE } from '#core/contract/routes.ts';
import { SERVICE_NAME } from '#core/contract/service.ts';
import { IDEMPOTENCY_TABLE, IDENTITY_TABLE } from '#core/contract/tables.ts';

/**
 * "Say a shared fact once": a name or default the contract module holds appears as a string
 * literal nowhere else in functions/, infra/ or local/ (comments aside). Left out on purpose:
 * values that are also domain field names (`source`, `requestId`, `externalId`, `idpUserId`,
 * `id`), checked by the type of the field instead, and the dialect names, a union type the
 * compiler checks wherever a literal is compared.
 */

const ROOT = path.resolve(import.meta.dirname, '..', '..', '..');

const SHARED: Record<string, string> = {
  ...Object.fromEntries(Object.entries(ENV).map(([k, v]) => [`ENV.${k}`, v])),
  ...Object.fromEntries(Object.entries(METRIC).map(([k, v]) => [`METRIC.${k}`, v])),
  ...Object.fromEntries(Object.entries(ROUTE).map(([k, v]) => [`ROUTE.${k}`, v])),
  ...Object.fromEntries(Object.entries(LOCAL_ROUTE).map(([k, v]) => [`LOCAL_ROUTE.${k}`, v])),
  ...Object.fromEntries(INTAKE_ROUTES.map((r) => [`INTAKE_ROUTES ${r.path}`, r.path])),
  METRICS_NAMESPACE,
  SERVICE_NAME,
  CUSTOM_EVENT_DETAIL_TYPE,
  DEFAULT_CUSTOM_EVENT_SOURCE,
  OKTA_PARTNER_SOURCE_PREFIX,
  'MESSAGE_ATTRIBUTE.FAILURE_KIND': MESSAGE_ATTRIBUTE.FAILURE_KIND,
  'MESSAGE_ATTRIBUTE.GUARD_RELEASE': MESSAGE_ATTRIBUTE.GUARD_RELEASE,
  'MESSAGE_ATTRIBUTE.SCHEMA_VERSION': MESSAGE_ATTRIBUTE.SCHEMA_VERSION,
  'IDENTITY_TABLE userName index': IDENTITY_TABLE.indexes.userName.indexName,
  'IDENTITY_TABLE email index': IDENTITY_TABLE.indexes.email.indexName,
  'IDEMPOTENCY_TABLE.ttlAttribute': IDEMPOTENCY_TABLE.ttlAttribute,
  'IDEMPOTENCY_TABLE.guard.keyPrefix': IDEMPOTENCY_TABLE.guard.keyPrefix,
  'IDEMPOTENCY_TABLE.guard.requestIdsAttribute': IDEMPOTENCY_TABLE.guard.requestIdsAttribute,
  'DEFAULTS.graphBaseUrl': DEFAULTS.graphBaseUrl,
  'DEFAULTS.graphLoginUrl': DEFAULTS.graphLoginUrl,
  ...Object.fromEntries(
    DEFAULTS.oktaDeprovisionEventTypes.map((t) => [`DEFAULTS.oktaDeprovisionEventTypes ${t}`, t]),
  ),
};

function withoutComments(code: string): string {
  return code.replace(/\/\*[\s\S]*?\*\//g, '').replace(/(^|[^:'"`\\])\/\/.*$/gm, '$1');
}

const FILES = execSync("git ls-files -co --exclude-standard 'functions' 'infra' 'local'", {
  cwd: ROOT,
})
  .toString()
  .trim()
  .split('\n')
  .filter((f) => f.endsWith('.ts') && !f.startsWith('functions/core/contract/'));
const SOURCES = FILES.map((f) => [f, withoutComments(readFileSync(path.join(ROOT, f), 'utf8'))]);

/** Files (outside the contract) that spell `value` as a string literal. */
function redeclaredIn(value: string): string[] {
  return SOURCES.filter(([, code]) =>
    ["'", '"', '`'].some((q) => (code as string).includes(`${q}${value}${q}`)),
  ).map(([file]) => file as string);
}

describe('shared names are declared once, in functions/core/contract', () => {
  it('scans the functions, infra and local sources', () => {
    expect(FILES.length).toBeGreaterThan(80);
    expect(redeclaredIn('user-groups-delete').length).toBeGreaterThan(0);
  });

  it.each(Object.entries(SHARED))('%s (%s) is not spelled out anywhere else', (_name, value) => {
    expect(redeclaredIn(value)).toEqual([]);
  });
});
