import { readFile } from 'node:fs/promises';
import {
  REDRIVE_MAX_COUNT,
  type RedriveInput,
  RedriveInputSchema,
  type RedriveResult,
  redrive,
} from '#core/deprovision/redrive.ts';
import { type FailureKind, FailureKindSchema } from '#core/domain/dead-letter.ts';
import { type DeprovisionSource, deprovisionSources } from '#core/domain/deprovision-request.ts';
import { silentLogger } from '#core/ports/logger.ts';
import { FindingsError, oneOf, parse, positiveInt, UsageError } from '../args.ts';
import {
  type AwsTarget,
  buildAwsRedrivePorts,
  buildDlqReader,
  type LocalTarget,
  resolveTarget,
  runnerHealth,
} from '../compose.ts';
import { type DlqEntry, FileDlqReader } from '../dlq-reader.ts';
import { age, type Io, Progress, table } from '../output.ts';
import { CountingWorkQueue } from '../redrive-ports.ts';

export const DLQ_HELP = `Usage: helpcenter-deprovisioner dlq <list|show|redrive> [options]

  dlq list                 counts by failure kind, source and help center, oldest age, and the
                           records (read without consuming or hiding them); exit 1 when not empty
      --all                list every record (default: the 20 oldest)
  dlq show <requestId>     the whole record(s) of one request
  dlq redrive              moves records back to the work queue (same use case as the redrive Lambda)
      --kind <kind>        only this failure kind (${FailureKindSchema.options.join(', ')})
      --source <source>    only this source (${deprovisionSources.join(', ')})
      --request-id <id>    only this request (repeatable)
      --max <n>            at most n records (default: all)

Common: --json, --aws, --stage <stage>, --url <runner url>, --help`;

const LIST_LIMIT = 20;

export async function dlqCommand(argv: readonly string[], io: Io): Promise<number> {
  const { values, positionals } = parse(argv, {
    all: { type: 'boolean', default: false },
    kind: { type: 'string' },
    source: { type: 'string' },
    'request-id': { type: 'string', multiple: true },
    max: { type: 'string' },
  });
  const [sub, ...rest] = positionals;
  if (values.help || sub === undefined) {
    io.out(DLQ_HELP);
    if (sub === undefined && !values.help)
      throw new UsageError('dlq needs a subcommand: list, show or redrive');
    return 0;
  }
  const target = await resolveTarget(values, io.env, io.cwd);
  if (sub === 'list') return list(target, io, { json: values.json, all: values.all });
  if (sub === 'show') {
    const requestId = rest[0];
    if (requestId === undefined || requestId.trim() === '')
      throw new UsageError('dlq show needs a <requestId>');
    return show(target, io, requestId, values.json);
  }
  if (sub === 'redrive') {
    const filters = {
      failureKind: oneOf('kind', values.kind, FailureKindSchema.options),
      source: oneOf('source', values.source, deprovisionSources),
      requestIds: values['request-id'] ?? [],
      max: positiveInt('max', values.max),
    };
    const input = redriveInput(filters);
    checkRedriveInput(input);
    const result =
      target.kind === 'local'
        ? await redriveLocal(target, io, filters, input)
        : await redriveAws(target, io, filters, input);
    if (values.json) io.out(JSON.stringify(result, null, 2));
    else {
      const reasons = Object.entries(result.skippedByReason ?? {})
        .map(([reason, n]) => `${n} ${reason}`)
        .join(', ');
      io.out(
        `Redrive finished: moved ${result.moved}, left ${result.skipped}${reasons ? ` (${reasons})` : ''}, ${result.unreadable} unreadable.`,
      );
      for (const note of result.notes ?? []) io.out(`note: ${note}`);
    }
    // A request named by --request-id and not moved is a finding (exit 1), as in `dlq list`.
    return filters.requestIds.some((id) => !result.movedRequestIds.includes(id)) ? 1 : 0;
  }
  throw new UsageError(`unknown dlq subcommand "${sub}" (list, show, redrive)`);
}

function countBy(entries: readonly DlqEntry[], key: (e: DlqEntry) => string) {
  const groups = new Map<string, { count: number; oldest?: string }>();
  for (const e of entries) {
    const k = key(e);
    const g = groups.get(k) ?? { count: 0 };
    g.count += 1;
    if (e.deadLetteredAt && (!g.oldest || e.deadLetteredAt < g.oldest)) g.oldest = e.deadLetteredAt;
    groups.set(k, g);
  }
  return [...groups.entries()]
    .sort((a, b) => b[1].count - a[1].count || a[0].localeCompare(b[0]))
    .map(([name, g]) => ({ name, count: g.count, oldest: g.oldest }));
}

async function list(
  target: LocalTarget | AwsTarget,
  io: Io,
  options: { json: boolean; all: boolean },
): Promise<number> {
  const entries = await buildDlqReader(target).peek();
  const byKind = countBy(entries, (e) => e.kind);
  const bySource = countBy(entries, (e) => e.request?.source ?? '-');
  const byHelpCenter = countBy(entries, (e) => e.record?.failure.helpCenterId ?? '-');
  const oldest = entries
    .map((e) => e.deadLetteredAt)
    .filter((t): t is string => t !== undefined)
    .sort()[0];
  if (options.json) {
    io.out(
      JSON.stringify(
        {
          total: entries.length,
          oldestDeadLetteredAt: oldest ?? null,
          byKind,
          bySource,
          byHelpCenter,
          records: entries.map((e) => ({
            id: e.id,
            requestId: e.request?.requestId,
            source: e.request?.source,
            kind: e.kind,
            helpCenterId: e.record?.failure.helpCenterId,
            attempts: e.record?.attempts,
            deadLetteredAt: e.deadLetteredAt,
            message: e.record?.failure.message,
            hint: e.record?.failure.hint,
          })),
        },
        null,
        2,
      ),
    );
    return entries.length > 0 ? 1 : 0;
  }
  const where = target.kind === 'local' ? target.dlqPath : 'the SQS dead-letter queue';
  if (entries.length === 0) {
    io.out(`Dead-letter queue is empty (${where}).`);
    return 0;
  }
  io.out(`Dead-letter queue: ${entries.length} record(s), oldest ${age(oldest)} (${where})\n`);
  const counts = (title: string, rows: ReturnType<typeof countBy>) =>
    table(
      [title, 'COUNT', 'OLDEST'],
      rows.map((r) => [r.name, r.count, age(r.oldest)]),
    );
  io.out(
    `${counts('FAILURE KIND', byKind)}\n\n${counts('SOURCE', bySource)}\n\n${counts('HELP CENTER', byHelpCenter)}\n`,
  );
  const sorted = [...entries].sort((a, b) =>
    (a.deadLetteredAt ?? '').localeCompare(b.deadLetteredAt ?? ''),
  );
  const shown = options.all ? sorted : sorted.slice(0, LIST_LIMIT);
  io.out(
    table(
      ['REQUEST ID', 'SOURCE', 'KIND', 'SUBJECT', 'HELP CENTER', 'ATTEMPTS', 'AGE', 'MESSAGE'],
      shown.map((e) => [
        e.request?.requestId ?? `(unreadable ${e.id})`,
        e.request?.source ?? '-',
        e.kind,
        subjectOf(e),
        e.record?.failure.helpCenterId ?? '-',
        e.record?.attempts ?? '-',
        age(e.deadLetteredAt),
        truncate(
          e.record?.failure.message ?? (e.record ? '' : 'raw work message (receives exhausted)'),
          60,
        ),
      ]),
    ),
  );
  if (shown.length < sorted.length) {
    io.out(
      `… ${sorted.length - shown.length} more (--all to list every record, --json for scripts)`,
    );
  }
  return 1;
}

function subjectOf(e: DlqEntry): string {
  const s = e.request?.subject;
  if (!s) return '-';
  return s.email ?? s.login ?? s.idpUserId ?? s.externalId ?? '-';
}

function truncate(text: string, max: number): string {
  return text.length > max ? `${text.slice(0, max - 1)}…` : text;
}

async function show(
  target: LocalTarget | AwsTarget,
  io: Io,
  requestId: string,
  json: boolean,
): Promise<number> {
  const entries = (await buildDlqReader(target).peek()).filter(
    (e) => e.request?.requestId === requestId,
  );
  if (entries.length === 0) {
    throw new FindingsError(`No dead-letter record for request ${requestId}`);
  }
  if (json) {
    io.out(
      JSON.stringify(
        entries.map((e) => e.record ?? { request: e.request }),
        null,
        2,
      ),
    );
    return 0;
  }
  for (const e of entries) {
    const r = e.record;
    const rows: Array<[string, unknown]> = [
      ['request id', e.request?.requestId],
      ['source', e.request?.source],
      ['reason', e.request?.reason],
      ['subject', JSON.stringify(e.request?.subject)],
      ['occurred at', e.request?.occurredAt],
      ['failure kind', e.kind],
    ];
    if (r) {
      rows.push(
        ['message', r.failure.message],
        ['hint', r.failure.hint ?? '-'],
        ['http status', r.failure.httpStatus ?? '-'],
        ['error code', r.failure.errorCode ?? '-'],
        ['help center', r.failure.helpCenterId ?? '-'],
        ['attempts', r.attempts],
        ['first attempt', r.firstAttemptAt],
        ['last attempt', `${r.lastAttemptAt} (${age(r.lastAttemptAt)} ago)`],
        ['correlation id', r.correlationId],
      );
    } else {
      rows.push(['note', 'raw work message: SQS moved it after its last receive']);
    }
    io.out(rows.map(([k, v]) => `${k.padEnd(15)} ${v ?? '-'}`).join('\n'));
    io.out('');
  }
  return 0;
}

interface RedriveFilters {
  failureKind: FailureKind | undefined;
  source: DeprovisionSource | undefined;
  requestIds: string[];
  max: number | undefined;
}

function matches(e: DlqEntry, f: RedriveFilters): boolean {
  return (
    !e.unreadable &&
    (f.failureKind === undefined || e.kind === f.failureKind) &&
    (f.source === undefined || e.request?.source === f.source) &&
    (f.requestIds.length === 0 || f.requestIds.includes(e.request?.requestId ?? ''))
  );
}

/** The redrive use case's input for these flags, the same for the local runner and for AWS. */
function redriveInput(f: RedriveFilters): RedriveInput {
  return {
    ...(f.failureKind ? { failureKind: f.failureKind } : {}),
    ...(f.source ? { source: f.source } : {}),
    ...(f.requestIds.length > 0 ? { requestIds: f.requestIds } : {}),
    maxCount: Math.min(f.max ?? REDRIVE_MAX_COUNT, REDRIVE_MAX_COUNT),
  };
}

/** A value as an error message quotes it: at most 60 characters. */
const shortened = (value: string) => (value.length > 60 ? `${value.slice(0, 57)}...` : value);

const FLAG_OF: Readonly<Record<string, string>> = {
  failureKind: '--kind',
  source: '--source',
  requestIds: '--request-id',
  maxCount: '--max',
};

/**
 * The redrive's own input check, run before anything is read; each problem names its flag (and
 * the request id it is about). @throws UsageError
 */
function checkRedriveInput(input: RedriveInput): void {
  const parsed = RedriveInputSchema.safeParse(input);
  if (parsed.success) return;
  throw new UsageError(
    parsed.error.issues
      .map((i) => {
        const [field, index] = i.path;
        const value =
          field === 'requestIds' && typeof index === 'number'
            ? ` ${JSON.stringify(shortened(input.requestIds?.[index] ?? ''))}`
            : '';
        return `${FLAG_OF[String(field)] ?? String(field)}${value}: ${i.message}`;
      })
      .join('; '),
  );
}

/**
 * On AWS: the redrive use case in this process over the SQS adapters the Lambda uses, as one run
 * (one snapshot: a record that fails again during the run is not moved twice).
 */
async function redriveAws(
  target: AwsTarget,
  io: Io,
  f: RedriveFilters,
  input: RedriveInput,
): Promise<RedriveResult> {
  const expected = (await buildDlqReader(target).peek()).filter((e) => matches(e, f)).length;
  const progress = new Progress(io, 'redrive', Math.min(expected, f.max ?? expected), 100);
  const ports = buildAwsRedrivePorts(target);
  const queue = new CountingWorkQueue(ports.queue, (n) => progress.update(n));
  try {
    return await redrive({ deadLetters: ports.deadLetters, queue, logger: silentLogger }, input);
  } finally {
    progress.finish();
  }
}

/**
 * Locally the work queue lives inside the runner, so the runner's own `POST /_local/redrive` (the
 * same redrive use case) moves the records; progress comes from watching the DLQ file shrink.
 */
async function redriveLocal(
  target: LocalTarget,
  io: Io,
  f: RedriveFilters,
  input: RedriveInput,
): Promise<RedriveResult> {
  if (!(await runnerHealth(target)).up) {
    throw new UsageError(
      `The local runner is not answering at ${target.runnerUrl}: start it with \`npm start\` (the local work queue lives in it), or pass --url / PORT`,
    );
  }
  const before = await readLines(target.dlqPath);
  const snapshot = (await new FileDlqReader(target.dlqPath).peek())
    .map((e, i) => ({ e, line: before[i] ?? '' }))
    .filter(({ e }) => matches(e, f))
    .map(({ line }) => line);
  const expected = Math.min(snapshot.length, f.max ?? snapshot.length);
  const progress = new Progress(io, 'redrive', expected, 100);
  let done = false;
  const watcher = (async () => {
    while (!done) {
      await new Promise((r) => setTimeout(r, 200));
      const now = new Set(await readLines(target.dlqPath));
      progress.update(snapshot.filter((line) => !now.has(line)).length);
    }
  })();
  try {
    const res = await fetch(`${target.runnerUrl}/_local/redrive`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify(input),
    });
    const body = (await res.json()) as RedriveResult & { message?: string };
    if (res.status === 400) throw new UsageError(`The runner refused the redrive: ${body.message}`);
    if (res.status !== 200)
      throw new FindingsError(`The runner answered ${res.status}: ${body.message}`);
    progress.update(body.moved);
    return body;
  } finally {
    done = true;
    await watcher;
    progress.finish();
  }
}

async function readLines(path: string): Promise<string[]> {
  try {
    return (await readFile(path, 'utf8')).split('\n').filter((l) => l.trim() !== '');
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw error;
  }
}
