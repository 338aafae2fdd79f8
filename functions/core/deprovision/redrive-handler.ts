import {
  parseRedriveInput,
  type RedriveDeps,
  type RedriveResult,
  redrive,
} from '#core/deprovision/redrive.ts';

/**
 * The redrive Lambda handler (and `POST /_local/redrive`): `{failureKind?, source?, requestIds?,
 * maxCount?}` in, a summary out. @throws ValidationError naming each invalid field.
 */
export function createRedriveHandler(deps: RedriveDeps) {
  return async (event: unknown): Promise<RedriveResult> => {
    return redrive(deps, parseRedriveInput(event));
  };
}
