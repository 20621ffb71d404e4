/** Runs at most a fixed number of tasks at once, queueing the rest in arrival order. */
export interface Limiter {
  /**
   * Runs `task` once a slot is free. If `signal` aborts while waiting, the task never starts and
   * the promise rejects with the signal's reason; once started, the slot is held until the task
   * settles.
   */
  run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T>;
  /** Tasks running now. */
  readonly active: number;
  /** Tasks waiting for a slot. */
  readonly waiting: number;
}

interface Waiter {
  readonly start: () => void;
}

/** A limiter allowing `max` (at least 1) simultaneous tasks. */
export function createLimiter(max: number): Limiter {
  const limit = Math.max(1, Math.floor(max));
  const queue: Waiter[] = [];
  let active = 0;

  const release = (): void => {
    active -= 1;
    const next = queue.shift();
    if (next) {
      active += 1;
      next.start();
    }
  };

  const acquire = (signal: AbortSignal): Promise<void> => {
    if (signal.aborted) return Promise.reject(signal.reason);
    if (active < limit) {
      active += 1;
      return Promise.resolve();
    }
    return new Promise((resolve, reject) => {
      const waiter: Waiter = {
        start: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
      };
      const onAbort = (): void => {
        const at = queue.indexOf(waiter);
        if (at >= 0) queue.splice(at, 1);
        reject(signal.reason);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      queue.push(waiter);
    });
  };

  return {
    async run<T>(task: () => Promise<T>, signal: AbortSignal): Promise<T> {
      await acquire(signal);
      try {
        return await task();
      } finally {
        release();
      }
    },
    get active() {
      return active;
    },
    get waiting() {
      return queue.length;
    },
  };
}
