import type { Sleep } from './sleep.ts';

/** What one look at a pending upstream job found. */
export type PollCheck<T> =
  | { readonly type: 'done'; readonly value: T }
  | { readonly type: 'pending' }
  /** The look itself failed (network, 5xx, 429); a later one may succeed. */
  | { readonly type: 'transient'; readonly detail: string };

export type PollResult<T> =
  | { readonly type: 'done'; readonly value: T }
  /** The signal aborted: the caller knows whether the job was cancelled or ran out of time. */
  | { readonly type: 'interrupted' }
  | { readonly type: 'gave_up'; readonly detail: string };

export interface PollOptions<T> {
  readonly intervalMs: number;
  readonly sleep: Sleep;
  /** The job's signal joined with its deadline. */
  readonly signal: AbortSignal;
  /** Looks that fail in a row before the job is given up on. */
  readonly maxConsecutiveFailures: number;
  readonly check: () => Promise<PollCheck<T>>;
}

/**
 * Looks at an upstream job every `intervalMs` until it is done, the signal aborts, or the looks
 * keep failing. The first look comes after one interval: the job was just submitted.
 */
export async function pollUntil<T>(options: PollOptions<T>): Promise<PollResult<T>> {
  let failures = 0;
  for (;;) {
    await options.sleep(options.intervalMs, options.signal);
    if (options.signal.aborted) return { type: 'interrupted' };
    const step = await options.check();
    if (options.signal.aborted) return { type: 'interrupted' };
    if (step.type === 'done') return step;
    if (step.type === 'pending') {
      failures = 0;
      continue;
    }
    if (++failures >= options.maxConsecutiveFailures)
      return { type: 'gave_up', detail: step.detail };
  }
}

/**
 * Waits for `work` or for `signal` to abort, whichever is first. On abort, `work` goes on and
 * is handed to `orphan` (for example to cancel what it started once its reply is known).
 */
export async function unlessAborted<T>(
  work: Promise<T>,
  signal: AbortSignal,
  orphan: (work: Promise<T>) => void,
): Promise<{ readonly done: true; readonly value: T } | { readonly done: false }> {
  if (signal.aborted) {
    orphan(work);
    return { done: false };
  }
  let onAbort = (): void => {};
  const aborted = new Promise<'aborted'>((resolve) => {
    onAbort = () => resolve('aborted');
    signal.addEventListener('abort', onAbort, { once: true });
  });
  try {
    const first = await Promise.race([work.then((value) => ({ value })), aborted]);
    if (first === 'aborted') {
      orphan(work);
      return { done: false };
    }
    return { done: true, value: first.value };
  } finally {
    signal.removeEventListener('abort', onAbort);
  }
}
