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
