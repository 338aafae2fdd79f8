import { readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { looksLikeEmail } from '#core/domain/deprovision-request.ts';
import type { IdentityRecord } from '#core/ports/identity-store.ts';
import { FindingsError, parse, UsageError } from '../args.ts';
import {
  buildIdentityStore,
  type LocalTarget,
  resolveTarget,
  runnerHealth,
  type Target,
} from '../compose.ts';
import { type ImportSink, importRows, LocalFileSink, StoreSink } from '../identities/import.ts';
import {
  CSV_FIXED_COLUMNS,
  IdentityRowSchema,
  issues,
  isZohoId,
  type ParsedRows,
  parseCsv,
  parseJsonl,
  rejectDuplicates,
  toCsv,
} from '../identities/rows.ts';
import { type Io, Progress, table } from '../output.ts';

export const IDENTITIES_HELP = `Usage: helpcenter-deprovisioner identities <import|link|export> [options]

  identities import <file.csv|file.jsonl>
      Links people to their Help Center user ids, so a deprovision that names only the IdP id
      (e.g. a Graph "deleted") still resolves. Every row is validated first; bad rows are listed
      with their line numbers and nothing is written (exit 1) unless --partial.
      CSV header: ${CSV_FIXED_COLUMNS.join(',')},hc:<helpCenterId>,… (one column per help center)
      JSONL line: {"idpUserId","email","externalId","helpCenterUserIds":{"<helpCenterId>":"<userId>"}}
      --partial            import the valid rows even when some are bad
  identities link <idp user id | email> --help-center <id> --user <Help Center user id>
  identities export [--format jsonl|csv]     every record, in the import format, to stdout

Locally the identity file belongs to \`npm start\` while it runs: stop it to import or link.
Common: --json, --aws, --stage <stage>, --url <runner url>, --help`;

export async function identitiesCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    partial: { type: 'boolean', default: false },
    'help-center': { type: 'string' },
    user: { type: 'string' },
    format: { type: 'string', default: 'jsonl' },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    io.out(IDENTITIES_HELP);
    if (sub === undefined && !values.help)
      throw new UsageError('identities needs a subcommand: import, link or export');
    return 0;
  }
  const target = await resolveTarget(values, io.env, io.cwd);
  if (sub === 'import') {
    const file = rest[0];
    if (file === undefined) throw new UsageError('identities import needs a <file.csv|file.jsonl>');
    return importFile(target, io, resolve(io.cwd, file), {
      partial: values.partial,
      json: values.json,
    });
  }
  if (sub === 'link') {
    const who = rest[0];
    const helpCenterId = values['help-center'];
    const user = values.user;
    if (who === undefined) throw new UsageError('identities link needs an <idp user id | email>');
    if (helpCenterId === undefined)
      throw new UsageError('identities link needs --help-center <id>');
    if (user === undefined)
      throw new UsageError('identities link needs --user <Help Center user id>');
    for (const [flag, value] of [
      ['--help-center', helpCenterId],
      ['--user', user],
    ] as const) {
      if (!isZohoId(value)) throw new UsageError(`${flag} "${value}" must be a Zoho id (digits)`);
    }
    const parsed = IdentityRowSchema.safeParse({
      ...(looksLikeEmail(who) ? { email: who } : { idpUserId: who }),
      helpCenterUserIds: { [helpCenterId]: user },
    });
    if (!parsed.success) {
      throw new UsageError(`identities link: ${issues(parsed.error)}`);
    }
    const result = await write(
      target,
      io,
      { rows: [{ line: 1, row: parsed.data }], errors: [] },
      false,
      'link',
    );
    if (result.conflicts.length > 0)
      throw new FindingsError(`Not linked: ${result.conflicts[0]?.message}`);
    io.out(
      values.json
        ? JSON.stringify({ linked: who, helpCenterId, userId: user, created: result.created === 1 })
        : `Linked ${who} to Help Center user ${user} in help center ${helpCenterId} (${result.created ? 'new record' : 'existing record'}).`,
    );
    return 0;
  }
  if (sub === 'export') {
    if (values.format !== 'jsonl' && values.format !== 'csv') {
      throw new UsageError(`--format must be jsonl or csv (got "${values.format}")`);
    }
    const store = await buildIdentityStore(target);
    const { records } = await store.list({ startIndex: 1, count: Number.MAX_SAFE_INTEGER });
    io.out(
      values.format === 'csv'
        ? toCsv(records)
        : records.map((r) => JSON.stringify(toRow(r))).join('\n'),
    );
    io.err(`exported ${records.length} record(s)`);
    return 0;
  }
  throw new UsageError(`unknown identities subcommand "${sub}" (import, link, export)`);
}

async function importFile(
  target: Target,
  io: Io,
  path: string,
  options: { partial: boolean; json: boolean },
): Promise<number> {
  const ext = extname(path).toLowerCase();
  if (ext !== '.csv' && ext !== '.jsonl' && ext !== '.ndjson') {
    throw new UsageError(`identities import reads .csv or .jsonl files (got "${ext || path}")`);
  }
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw new UsageError(`cannot read ${path}: ${(error as NodeJS.ErrnoException).code ?? error}`);
  }
  const parsed = rejectDuplicates(ext === '.csv' ? parseCsv(text) : parseJsonl(text));
  if (parsed.errors.length > 0 && !options.partial) {
    if (options.json) {
      io.out(
        JSON.stringify({ written: 0, valid: parsed.rows.length, errors: parsed.errors }, null, 2),
      );
    } else {
      io.out(
        table(
          ['LINE', 'PROBLEM'],
          parsed.errors.slice(0, 50).map((e) => [e.line, e.message]),
        ),
      );
      if (parsed.errors.length > 50) io.out(`… ${parsed.errors.length - 50} more`);
      io.out(
        `\n${parsed.errors.length} bad row(s), ${parsed.rows.length} valid: nothing was written. Fix the file, or pass --partial to import the valid rows.`,
      );
    }
    return 1;
  }
  const result = await write(target, io, parsed, true, 'import');
  const problems = [...parsed.errors, ...result.conflicts].sort((a, b) => a.line - b.line);
  if (options.json) {
    io.out(
      JSON.stringify(
        { created: result.created, updated: result.updated, errors: problems },
        null,
        2,
      ),
    );
  } else {
    if (problems.length > 0) {
      io.out(
        table(
          ['LINE', 'NOT IMPORTED'],
          problems.slice(0, 50).map((e) => [e.line, e.message]),
        ),
      );
    }
    io.out(
      `Imported ${result.created + result.updated} ${result.created + result.updated === 1 ? 'identity' : 'identities'} (${result.created} new, ${result.updated} updated); ${problems.length} row(s) not imported.`,
    );
  }
  return problems.length > 0 ? 1 : 0;
}

async function write(
  target: Target,
  io: Io,
  parsed: ParsedRows,
  showProgress: boolean,
  command: 'import' | 'link',
) {
  let sink: ImportSink;
  if (target.kind === 'local') {
    await refuseWhileRunnerUp(target, command);
    sink = await LocalFileSink.open(target.identityPath);
  } else {
    sink = new StoreSink(await buildIdentityStore(target));
  }
  const progress = showProgress ? new Progress(io, 'import', parsed.rows.length, 1000) : undefined;
  const result = await importRows(sink, parsed.rows, {
    concurrency: target.kind === 'local' ? 1 : 16,
    now: new Date(),
    ...(progress ? { onRow: () => progress.tick() } : {}),
  });
  progress?.finish();
  return result;
}

async function refuseWhileRunnerUp(target: LocalTarget, command: string): Promise<void> {
  if ((await runnerHealth(target)).up) {
    throw new UsageError(
      `npm start is running at ${target.runnerUrl} and owns ${target.identityPath}: stop it (Ctrl-C), run identities ${command}, then start it again`,
    );
  }
}

function toRow(r: IdentityRecord) {
  return {
    ...(r.idpUserId ? { idpUserId: r.idpUserId } : {}),
    ...(r.email ? { email: r.email } : {}),
    ...(r.externalId ? { externalId: r.externalId } : {}),
    helpCenterUserIds: r.helpCenterUserIds ?? {},
  };
}
