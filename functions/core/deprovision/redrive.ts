import * as z from '#core/contract/zod.ts';
import {
  DeadLetterRecordSchema,
  type FailureKind,
  FailureKindSchema,
} from '#core/domain/dead-letter.ts';
import {
  type DeprovisionRequest,
  DeprovisionRequestSchema,
  DeprovisionSourceSchema,
  REQUEST_ID_MAX_LENGTH,
} from '#core/domain/deprovision-request.ts';
import { ValidationError } from '#core/domain/errors.ts';
import type { Clock } from '#core/ports/clock.ts';
import type { DeadLetterMessage, DeadLetterSource } from '#core/ports/dead-letter-queue.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

/** Records one run moves when neither `maxCount` nor `requestIds` says otherwise. */
export const REDRIVE_DEFAULT_MAX_COUNT = 1_000;
/** The most records one run can be asked to move. */
export const REDRIVE_MAX_COUNT = 100_000;
/** Kinds that fail again until an operator changes something: moved only when asked for. */
export const NEEDS_OPERATOR_KINDS: readonly FailureKind[] = ['ambiguous', 'config'];
/** `skippedRecords` lists at most this many (the counts cover all). */
const LISTED_SKIPS = 1_000;
const SEND_CHUNK = 10;

export const RedriveInputSchema = z.strictObject({
  /** One kind or several; naming `ambiguous` or `config` moves them. */
  failureKind: z.optional(
    z.union([FailureKindSchema, z.array(FailureKindSchema).check(z.minLength(1))], {
      error: `expected one of ${FailureKindSchema.options.join(', ')}, or a non-empty list of them`,
    }),
  ),
  source: z.optional(DeprovisionSourceSchema),
  /** Exactly these requests (any kind); no count limit beyond the list. */
  requestIds: z.optional(
    z
      .array(z.string().check(z.minLength(1), z.maxLength(REQUEST_ID_MAX_LENGTH)))
      .check(z.minLength(1), z.maxLength(REDRIVE_MAX_COUNT)),
  ),
  maxCount: z.optional(z.int().check(z.positive(), z.lte(REDRIVE_MAX_COUNT))),
});
export type RedriveInput = z.input<typeof RedriveInputSchema>;

/**
 * Checks a redrive input (the Lambda's event, the local route's body, the CLI's flags).
 * @throws ValidationError naming each invalid field, e.g. `requestIds.0: Too small: …`.
 */
function parseRedriveInput(input: unknown): z.output<typeof RedriveInputSchema> {
  const parsed = RedriveInputSchema.safeParse(input ?? {});
  if (parsed.success) return parsed.data;
  throw new ValidationError(
    `Invalid redrive input: ${parsed.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
  );
}

export type RedriveSkipReason =
  | 'filter'
  | 'needs-operator'
  | 'duplicate'
  | 'limit'
  | 'arrived-during-run'
  | 'unreadable';

export interface RedriveSkip {
  messageId: string;
  requestId?: string;
  failureKind?: FailureKind;
  reason: RedriveSkipReason;
}

export interface RedriveResult {
  /** Distinct records moved back to the work queue (each at most once per run). */
  moved: number;
  movedRequestIds: string[];
  /** Readable records left in the dead-letter queue, whatever the reason. */
  skipped: number;
  /** Messages that are neither a dead-letter record nor a request (left in place). */
  unreadable: number;
  skippedByReason: Partial<Record<RedriveSkipReason, number>>;
  /** What was left and why (the first 1,000; the counts above cover all). */
  skippedRecords: RedriveSkip[];
  /** Plain-language notes for the operator (for example kinds held back by default). */
  notes: string[];
}

export interface RedriveDeps {
  deadLetters: DeadLetterSource;
  queue: WorkQueue;
  logger: Logger;
  clock?: Clock;
}

interface Entry {
  message: DeadLetterMessage;
  kind: FailureKind;
  request: DeprovisionRequest;
}

/**
 * Moves dead-letter records back to the work queue with their original `requestId` (a completed
 * request stays deduplicated, a failed one runs again). A run first takes a snapshot: it reads the
 * queue until it is empty (or enough records matched), keeping every message hidden, and only then
 * sends. It never reads again, so a record that fails again during the run (a new message) is left
 * for the next run; within the snapshot each request is moved once. A record is deleted only after
 * its send succeeded; everything not moved is released. By default `ambiguous` and `config` records
 * are not moved (they cannot succeed until an operator acts) unless named by kind or request id.
 * Held records are released past the guard; raw requests the queue's own redrive policy moved
 * count as kind `transient`.
 * @throws ValidationError for an invalid input (nothing read); otherwise the error of the read, send
 * or delete that failed (QueueError from the work queue and from an SQS read; a delete's own error,
 * after the rest of its chunk was deleted). Nothing unsent is deleted.
 */
export async function redrive(deps: RedriveDeps, input: RedriveInput): Promise<RedriveResult> {
  const filter = parseRedriveInput(input);
  const runStart = (deps.clock?.now() ?? new Date()).getTime();
  const kinds =
    filter.failureKind === undefined
      ? undefined
      : new Set(Array.isArray(filter.failureKind) ? filter.failureKind : [filter.failureKind]);
  const wanted = filter.requestIds ? new Set(filter.requestIds) : undefined;
  const limit = filter.maxCount ?? (wanted ? wanted.size : REDRIVE_DEFAULT_MAX_COUNT);
  const result: RedriveResult = {
    moved: 0,
    movedRequestIds: [],
    skipped: 0,
    unreadable: 0,
    skippedByReason: {},
    skippedRecords: [],
    notes: [],
  };
  const skip = (message: DeadLetterMessage, reason: RedriveSkipReason, entry?: Entry) => {
    if (reason === 'unreadable') result.unreadable += 1;
    else result.skipped += 1;
    result.skippedByReason[reason] = (result.skippedByReason[reason] ?? 0) + 1;
    if (result.skippedRecords.length < LISTED_SKIPS) {
      result.skippedRecords.push({
        messageId: message.id,
        ...(entry ? { requestId: entry.request.requestId, failureKind: entry.kind } : {}),
        reason,
      });
    }
  };

  const held: DeadLetterMessage[] = [];
  const selected: Entry[] = [];
  const selectedKeys = new Set<string>();
  const seen = new Set<string>();
  /** Request ids of the readable records the snapshot held (to name requested ids it did not). */
  const inQueue = new Set<string>();
  const heldBack = new Map<FailureKind, number>();
  try {
    // 1. Snapshot: read until the queue is empty (or enough matched); nothing is sent yet, so
    //    nothing this run moves can come back into it.
    for (;;) {
      if (!wanted && selected.length >= limit) break;
      if (wanted && selected.length >= wanted.size) break;
      const batch = await deps.deadLetters.receive(10);
      const fresh = batch.filter((m) => !seen.has(m.id));
      for (const m of batch) if (seen.has(m.id)) await deps.deadLetters.release(m);
      if (fresh.length === 0) break;
      for (const message of fresh) {
        seen.add(message.id);
        held.push(message);
        if (message.sentAt !== undefined && message.sentAt > runStart) {
          const late = readEntry(message);
          if (late) inQueue.add(late.request.requestId);
          skip(message, 'arrived-during-run', late ?? undefined);
          continue;
        }
        const entry = readEntry(message);
        if (!entry) {
          skip(message, 'unreadable');
          continue;
        }
        inQueue.add(entry.request.requestId);
        const named = wanted?.has(entry.request.requestId) ?? false;
        if (
          (wanted && !named) ||
          (kinds && !kinds.has(entry.kind)) ||
          (filter.source !== undefined && filter.source !== entry.request.source)
        ) {
          skip(message, 'filter', entry);
          continue;
        }
        if (!kinds && !named && NEEDS_OPERATOR_KINDS.includes(entry.kind)) {
          heldBack.set(entry.kind, (heldBack.get(entry.kind) ?? 0) + 1);
          skip(message, 'needs-operator', entry);
          continue;
        }
        const key = `${entry.request.source}\u0000${entry.request.requestId}`;
        if (selectedKeys.has(key)) {
          skip(message, 'duplicate', entry);
          continue;
        }
        if (selected.length >= limit) {
          skip(message, 'limit', entry);
          continue;
        }
        selectedKeys.add(key);
        selected.push(entry);
      }
    }

    // 2. Move the snapshot, each record once; a record leaves the DLQ only after its send.
    for (let start = 0; start < selected.length; start += SEND_CHUNK) {
      const chunk = selected.slice(start, start + SEND_CHUNK);
      for (const guardRelease of [false, true]) {
        const part = chunk.filter((e) => (e.kind === 'held') === guardRelease);
        if (part.length === 0) continue;
        await deps.queue.send(
          part.map((e) => e.request),
          { guardRelease },
        );
        // The part's deletes run together (a file DLQ rewrites itself once for them, SQS takes
        // them in parallel); a failed one still fails the run, after the others are counted.
        const removals = await Promise.allSettled(
          part.map((e) => deps.deadLetters.remove(e.message)),
        );
        let failure: PromiseRejectedResult | undefined;
        part.forEach((e, i) => {
          const removal = removals[i];
          if (removal?.status !== 'fulfilled') {
            failure ??= removal as PromiseRejectedResult;
            return;
          }
          const at = held.indexOf(e.message);
          if (at >= 0) held.splice(at, 1);
          result.moved += 1;
          result.movedRequestIds.push(e.request.requestId);
        });
        if (failure) throw failure.reason;
      }
    }
  } finally {
    // Every one is released even if one release fails (it stays hidden until its visibility
    // timeout); the run's own error, if any, is the one that surfaces.
    for (const message of held) {
      try {
        await deps.deadLetters.release(message);
      } catch (error) {
        deps.logger.warn(
          'could not release a dead-letter message; it reappears after its visibility timeout',
          {
            messageId: message.id,
            error: error instanceof Error ? error.name : 'unknown',
          },
        );
      }
    }
  }

  for (const [kind, count] of heldBack) {
    result.notes.push(
      `${count} ${kind} record(s) not moved: they fail again until an operator acts (${
        kind === 'ambiguous'
          ? 'record the right Help Center user id in the identity store'
          : 'fix the setting the hint names'
      }); redrive them with failureKind "${kind}" or their requestIds`,
    );
  }
  if (result.skippedByReason.limit) {
    result.notes.push(
      `${result.skippedByReason.limit} matching record(s) left by the limit of ${limit}; run again or raise maxCount`,
    );
  }
  if (wanted) {
    const notMoved = [...wanted].filter((id) => !result.movedRequestIds.includes(id));
    const absent = notMoved.filter((id) => !inQueue.has(id));
    const left = notMoved.length - absent.length;
    if (absent.length > 0) {
      result.notes.push(
        `not in the dead-letter queue: ${absent.slice(0, 10).join(', ')}${absent.length > 10 ? ` and ${absent.length - 10} more` : ''}`,
      );
    }
    if (left > 0) result.notes.push(`${left} requested id(s) were left (see skippedRecords)`);
  }
  deps.logger.info('redrive finished', {
    moved: result.moved,
    skipped: result.skipped,
    unreadable: result.unreadable,
    skippedByReason: result.skippedByReason,
    failureKind: filter.failureKind,
    source: filter.source,
    requestIds: filter.requestIds?.length,
  });
  return result;
}

function readEntry(message: DeadLetterMessage): Entry | undefined {
  let json: unknown;
  try {
    json = JSON.parse(message.body);
  } catch {
    return undefined;
  }
  const record = DeadLetterRecordSchema.safeParse(json);
  if (record.success)
    return { message, kind: record.data.failure.kind, request: record.data.request };
  const request = DeprovisionRequestSchema.safeParse(json);
  if (request.success) return { message, kind: 'transient', request: request.data };
  return undefined;
}
