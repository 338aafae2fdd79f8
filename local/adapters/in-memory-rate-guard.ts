import type { Clock } from '#core/ports/clock.ts';
import type { RateGuard } from '#core/ports/rate-guard.ts';

/**
 * Fixed-window guard in process memory (local runs, tests): the first `max` distinct request ids of
 * a window are admitted; asking again for an admitted id admits it again without counting it twice.
 */
export class InMemoryRateGuard implements RateGuard {
  private windowStart = 0;
  private admitted = new Set<string>();

  constructor(
    private readonly max: number,
    private readonly windowSeconds: number,
    private readonly clock: Clock,
  ) {}

  async admit(requestId: string): Promise<boolean> {
    const windowMs = this.windowSeconds * 1000;
    const start = Math.floor(this.clock.now().getTime() / windowMs) * windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.admitted = new Set();
    }
    if (this.admitted.has(requestId)) return true;
    if (this.admitted.size >= this.max) return false;
    this.admitted.add(requestId);
    return true;
  }
}
