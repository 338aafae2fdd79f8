import type {
  DeltaLinkState,
  GraphStateStore,
  SubscriptionState,
} from '#core/ports/graph-state-store.ts';

/** GraphStateStore in memory, with the same compare-and-set rule as the real stores. */
export class InMemoryGraphStateStore implements GraphStateStore {
  delta: DeltaLinkState = { version: 0 };
  subscription: SubscriptionState | undefined;
  /** Runs before each advance (lets a test advance the link "concurrently"). */
  beforeAdvance?: () => void;

  async readDelta(): Promise<DeltaLinkState> {
    return { ...this.delta };
  }

  async advanceDelta(
    expectedVersion: number,
    next: { deltaLink: string; resyncedAt: string },
  ): Promise<boolean> {
    this.beforeAdvance?.();
    if (this.delta.version !== expectedVersion) return false;
    this.delta = { ...next, version: expectedVersion + 1 };
    return true;
  }

  async readSubscription(): Promise<SubscriptionState | undefined> {
    return this.subscription;
  }

  async writeSubscription(state: SubscriptionState): Promise<void> {
    this.subscription = state;
  }
}
