import type { RunStore } from './store.ts';

/**
 * A spending cap. Each call reserves its estimated cost before it starts; a call that would take
 * spent + reserved over the cap is refused, so the run stops before exceeding the budget.
 */
export class CostBudget {
  private spent = 0;
  private reserved = 0;

  constructor(readonly maxUsd: number = Number.POSITIVE_INFINITY) {}

  get spentUsd(): number {
    return this.spent;
  }

  get reservedUsd(): number {
    return this.reserved;
  }

  /** Reserves `estimateUsd`; false (nothing reserved) if that would exceed the cap. */
  reserve(estimateUsd: number): boolean {
    if (this.spent + this.reserved + estimateUsd > this.maxUsd + 1e-12) return false;
    this.reserved += estimateUsd;
    return true;
  }

  /** Releases a reservation and books what the call really cost (the estimate when the backend did not say). */
  settle(estimateUsd: number, actualUsd: number | undefined): void {
    this.reserved = Math.max(0, this.reserved - estimateUsd);
    this.spent += actualUsd ?? estimateUsd;
  }

  /** Releases a reservation for a call that did not happen. */
  cancel(estimateUsd: number): void {
    this.reserved = Math.max(0, this.reserved - estimateUsd);
  }
}

/** How long a run without a heartbeat still counts as alive (its reservations held), in ms. */
export const LIVE_MS = 30_000;

/**
 * The spending cap of a run shared through its store: every process running on the same store counts
 * the money spent and reserved by the others (see RunStore.reserveBudget), so two `asrfair run` with
 * `--max-cost 5` on one store spend at most 5 USD together, not 10.
 */
export class StoreBudget extends CostBudget {
  constructor(
    private readonly store: Pick<RunStore, 'reserveBudget' | 'settleBudget'>,
    private readonly runId: string,
    maxUsd: number = Number.POSITIVE_INFINITY,
  ) {
    super(maxUsd);
  }

  override reserve(estimateUsd: number): boolean {
    if (!super.reserve(estimateUsd)) return false;
    if (!Number.isFinite(this.maxUsd) && estimateUsd === 0) return true;
    if (this.store.reserveBudget(this.runId, this.maxUsd, estimateUsd, LIVE_MS)) return true;
    super.cancel(estimateUsd);
    return false;
  }

  override settle(estimateUsd: number, actualUsd: number | undefined): void {
    super.settle(estimateUsd, actualUsd);
    this.store.settleBudget(this.runId, estimateUsd, actualUsd ?? estimateUsd);
  }

  override cancel(estimateUsd: number): void {
    super.cancel(estimateUsd);
    this.store.settleBudget(this.runId, estimateUsd, 0);
  }
}
