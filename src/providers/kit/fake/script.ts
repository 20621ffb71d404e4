/** A FIFO of scripted replies; an entry with `times: N` answers N requests. */
export interface Script<T extends { readonly times?: number }> {
  push(...responses: T[]): void;
  take(): T | undefined;
  clear(): void;
  readonly size: number;
}

export function createScript<T extends { readonly times?: number }>(): Script<T> {
  const queue: { response: T; left: number }[] = [];
  return {
    push(...responses) {
      for (const response of responses)
        queue.push({ response, left: Math.max(1, response.times ?? 1) });
    },
    take() {
      const head = queue[0];
      if (!head) return undefined;
      if (--head.left <= 0) queue.shift();
      return head.response;
    },
    clear() {
      queue.length = 0;
    },
    get size() {
      return queue.length;
    },
  };
}
