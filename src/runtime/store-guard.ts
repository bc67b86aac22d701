import { StoreFailure } from '../errors.js';

/**
 * The coordinator's side of a store that can fail (src/store/sqlite.ts):
 * every change goes through record(), which applies it until the store has
 * failed and then applies nothing. A failure, whether thrown by this change
 * or reported by the store from elsewhere (a write by the recorder, a
 * batch's commit), reaches `onFailure` once instead of escaping into the
 * event (a runner callback, a timer) that brought the change about.
 */
export class StoreGuard {
  failure: StoreFailure | null = null;

  constructor(private readonly onFailure: (failure: StoreFailure) => void) {}

  record<T>(change: () => T): T | undefined {
    if (this.failure) return undefined;
    try {
      return change();
    } catch (error) {
      if (!(error instanceof StoreFailure)) throw error;
      this.fail(error);
      return undefined;
    }
  }

  fail(failure: StoreFailure): void {
    if (this.failure) return;
    this.failure = failure;
    this.onFailure(failure);
  }
}
