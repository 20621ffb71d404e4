/** A signal that aborts when its parent does or when its time is up, whichever comes first. */
export interface Deadline {
  readonly signal: AbortSignal;
  /** True once the time ran out (rather than the parent aborting). */
  readonly expired: boolean;
  /** Stops the timer and detaches from the parent; call it when the work is done. */
  dispose(): void;
}

/**
 * `AbortSignal.any([parent, AbortSignal.timeout(ms)])` without what that costs on a hot path:
 * a timeout signal keeps its timer, and everything listening to it, alive until it fires,
 * however early the work finished, so a 3-minute upstream timeout held every finished
 * request's signals for 3 minutes (memory at 5,000 in flight; GC work at 500 requests/s).
 * Here the timer is cleared and the parent listener removed on `dispose()`. The abort reason
 * is a `TimeoutError` DOMException, as with `AbortSignal.timeout`.
 */
export function deadline(parent: AbortSignal, ms: number): Deadline {
  const controller = new AbortController();
  let expired = false;
  if (parent.aborted) {
    controller.abort(parent.reason);
    return { signal: controller.signal, expired, dispose: () => {} };
  }
  const onParentAbort = () => controller.abort(parent.reason);
  parent.addEventListener('abort', onParentAbort, { once: true });
  const timer = setTimeout(() => {
    expired = true;
    parent.removeEventListener('abort', onParentAbort);
    controller.abort(new DOMException('The operation timed out.', 'TimeoutError'));
  }, ms);
  // Like AbortSignal.timeout: a pending deadline alone does not keep the process alive.
  timer.unref();
  return {
    signal: controller.signal,
    get expired() {
      return expired;
    },
    dispose() {
      clearTimeout(timer);
      parent.removeEventListener('abort', onParentAbort);
    },
  };
}
