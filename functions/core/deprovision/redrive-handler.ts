import {
  type RedriveDeps,
  RedriveInputSchema,
  type RedriveResult,
  redrive,
} from '#core/deprovision/redrive.ts';
import { ValidationError } from '#core/domain/errors.ts';

/**
 * The redrive Lambda handler (and `POST /_local/redrive`): `{failureKind?, source?, requestIds?,
 * maxCount?}` in, a summary out. @throws ValidationError naming each invalid field.
 */
export function createRedriveHandler(deps: RedriveDeps) {
  return async (event: unknown): Promise<RedriveResult> => {
    const input = RedriveInputSchema.safeParse(event ?? {});
    if (!input.success) {
      throw new ValidationError(
        `Invalid redrive input: ${input.error.issues.map((i) => `${i.path.join('.') || '(root)'}: ${i.message}`).join('; ')}`,
      );
    }
    return redrive(deps, input.data);
  };
}
