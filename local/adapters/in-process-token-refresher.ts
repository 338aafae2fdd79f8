import type { TokenRefresher } from '#core/ports/token-source.ts';
import {
  type RefreshResult,
  type RefreshTokenDeps,
  refreshAccessToken,
} from '#core/tokens/refresh-token.ts';
import { tokenFingerprint } from '#core/tokens/token-secret.ts';

/**
 * Runs the refresher use case in this process, one call at a time (like a Lambda with reserved
 * concurrency 1). For the local runner and tests; every reader sharing it shares one mint.
 */
export class InProcessTokenRefresher implements TokenRefresher {
  private tail: Promise<unknown> = Promise.resolve();
  /** Results of every call, in order (for tests and the local runner's logs). */
  readonly results: RefreshResult[] = [];

  constructor(private readonly deps: RefreshTokenDeps) {}

  async requestRefresh(input: { rejectedToken?: string; force?: boolean }): Promise<void> {
    const refresh = {
      ...(input.rejectedToken !== undefined
        ? { rejectedTokenSha256: tokenFingerprint(input.rejectedToken) }
        : {}),
      ...(input.force !== undefined ? { force: input.force } : {}),
    };
    const run = this.tail.then(() => refreshAccessToken(this.deps, refresh));
    this.tail = run.catch(() => undefined);
    this.results.push(await run);
  }
}
