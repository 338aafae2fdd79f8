/** Faults the Graph stand-in injects, as posted to `POST /_standin/faults` or `addFault`. */
export interface StandinFault {
  /** Which calls the fault applies to (default `users`). */
  target?: 'token' | 'users' | 'subscriptions' | 'any';
  /** Answer with this status and a Graph error body instead of the real answer. */
  status?: number;
  /** Wait this long before answering. */
  delayMs?: number;
  /** How many matching calls it applies to (default 1). */
  count?: number;
}

/** Faults waiting to be applied; a call consumes one use of the first fault that matches it. */
export class StandinFaultQueue {
  readonly #faults: (StandinFault & { remaining: number })[] = [];

  add(fault: StandinFault): void {
    this.#faults.push({ ...fault, remaining: fault.count ?? 1 });
  }

  take(target: StandinFault['target']): StandinFault | undefined {
    const index = this.#faults.findIndex(
      (f) => (f.target ?? 'users') === target || (f.target ?? 'users') === 'any',
    );
    const fault = this.#faults[index];
    if (!fault) return undefined;
    fault.remaining -= 1;
    if (fault.remaining <= 0) this.#faults.splice(index, 1);
    return fault;
  }
}
