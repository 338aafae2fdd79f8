import type { Clock, RateGuard } from '#core/ports/index.ts';

/** Fixed-window counter in process memory (local runs, tests). */
export class InMemoryRateGuard implements RateGuard {
  private windowStart = 0;
  private count = 0;

  constructor(
    private readonly max: number,
    private readonly windowSeconds: number,
    private readonly clock: Clock,
  ) {}

  async admit(): Promise<boolean> {
    const windowMs = this.windowSeconds * 1000;
    const start = Math.floor(this.clock.now().getTime() / windowMs) * windowMs;
    if (start !== this.windowStart) {
      this.windowStart = start;
      this.count = 0;
    }
    this.count += 1;
    return this.count <= this.max;
  }
}
