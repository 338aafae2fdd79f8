import * as z from 'zod';
import { DeadLetterRecordSchema, FailureKindSchema } from '#core/domain/dead-letter.ts';
import {
  DeprovisionRequestSchema,
  DeprovisionSourceSchema,
} from '#core/domain/deprovision-request.ts';
import type { DeadLetterMessage, DeadLetterSource } from '#core/ports/dead-letter-queue.ts';
import type { Logger } from '#core/ports/logger.ts';
import type { WorkQueue } from '#core/ports/work-queue.ts';

export const RedriveInputSchema = z
  .object({
    failureKind: FailureKindSchema.optional(),
    source: DeprovisionSourceSchema.optional(),
    maxCount: z.number().int().positive().max(10_000).default(100),
  })
  .strict();
export type RedriveInput = z.input<typeof RedriveInputSchema>;

export interface RedriveResult {
  moved: number;
  /** Records that did not match the filter (left in the dead-letter queue). */
  skipped: number;
  /** Messages that are neither a dead-letter record nor a request (left in place). */
  unreadable: number;
  movedRequestIds: string[];
}

/**
 * Moves dead-letter records back to the work queue with their original `requestId` (so a completed
 * request stays deduplicated and a failed one runs again). A record is deleted from the DLQ only
 * after the send succeeded. Held records are released past the guard. Raw requests that SQS moved
 * there by its own redrive policy count as kind `transient`.
 */
export async function redrive(
  deps: { deadLetters: DeadLetterSource; queue: WorkQueue; logger: Logger },
  input: RedriveInput,
): Promise<RedriveResult> {
  const filter = RedriveInputSchema.parse(input);
  const result: RedriveResult = { moved: 0, skipped: 0, unreadable: 0, movedRequestIds: [] };
  const leftInPlace: DeadLetterMessage[] = [];
  const seen = new Set<string>();
  try {
    while (result.moved < filter.maxCount) {
      const batch = await deps.deadLetters.receive(filter.maxCount - result.moved);
      const fresh = batch.filter((m) => !seen.has(m.id));
      if (fresh.length === 0) break;
      for (const message of fresh) {
        seen.add(message.id);
        const entry = readEntry(message.body);
        if (!entry) {
          result.unreadable += 1;
          leftInPlace.push(message);
          continue;
        }
        const matches =
          (filter.failureKind === undefined || filter.failureKind === entry.kind) &&
          (filter.source === undefined || filter.source === entry.request.source) &&
          result.moved < filter.maxCount;
        if (!matches) {
          result.skipped += 1;
          leftInPlace.push(message);
          continue;
        }
        try {
          await deps.queue.send([entry.request], { guardRelease: entry.kind === 'held' });
        } catch (error) {
          leftInPlace.push(message);
          throw error;
        }
        await deps.deadLetters.remove(message);
        result.moved += 1;
        result.movedRequestIds.push(entry.request.requestId);
      }
    }
  } finally {
    for (const message of leftInPlace) await deps.deadLetters.release(message);
  }
  deps.logger.info('redrive finished', {
    moved: result.moved,
    skipped: result.skipped,
    unreadable: result.unreadable,
    failureKind: filter.failureKind,
    source: filter.source,
  });
  return result;
}

function readEntry(body: string) {
  let json: unknown;
  try {
    json = JSON.parse(body);
  } catch {
    return undefined;
  }
  const record = DeadLetterRecordSchema.safeParse(json);
  if (record.success) return { kind: record.data.failure.kind, request: record.data.request };
  const request = DeprovisionRequestSchema.safeParse(json);
  if (request.success) return { kind: 'transient' as const, request: request.data };
  return undefined;
}
