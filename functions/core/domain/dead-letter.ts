import * as z from '#core/contract/zod.ts';
import { DeprovisionRequestSchema } from '#core/domain/deprovision-request.ts';

export const FailureKindSchema = z.enum([
  'transient',
  'permanent',
  'ambiguous',
  'held',
  'auth',
  'scope',
  'not-found',
  'config',
  'quota',
]);
export type FailureKind = z.infer<typeof FailureKindSchema>;

/** The dead-letter record of DESIGN.md "Failure classes" (schemaVersion 1). */
export const DeadLetterRecordSchema = z.object({
  schemaVersion: z.literal(1),
  request: DeprovisionRequestSchema,
  failure: z.object({
    kind: FailureKindSchema,
    httpStatus: z.optional(z.number().check(z.int())),
    errorCode: z.optional(z.string()),
    message: z.string(),
    hint: z.optional(z.string()),
    helpCenterId: z.optional(z.string()),
  }),
  attempts: z.number().check(z.int(), z.positive()),
  firstAttemptAt: z.iso.datetime({ offset: true }),
  lastAttemptAt: z.iso.datetime({ offset: true }),
  correlationId: z.string(),
});
export type DeadLetterRecord = z.infer<typeof DeadLetterRecordSchema>;
