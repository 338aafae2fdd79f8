import {
  type RedriveDeps,
  type RedriveInput,
  type RedriveResult,
  redrive,
} from '#core/deprovision/redrive.ts';

/**
 * The redrive Lambda handler (and `POST /_local/redrive`): `{failureKind?, source?, requestIds?,
 * maxCount?}` in, a summary out. `redrive` checks the event itself, before reading anything.
 * @throws ValidationError naming each invalid field.
 */
export function createRedriveHandler(deps: RedriveDeps) {
  return async (event: unknown): Promise<RedriveResult> => redrive(deps, event as RedriveInput);
}
