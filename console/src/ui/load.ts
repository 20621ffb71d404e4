import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { messageOf } from '../api.ts';

export type Loaded<T> =
  | { state: 'loading'; data: T | undefined; error: undefined }
  | { state: 'ok'; data: T; error: undefined }
  | { state: 'error'; data: T | undefined; error: string };

/** Loads `fetcher` now and whenever `deps` change; `reload()` fetches again. */
export function useLoad<T>(
  fetcher: (signal: AbortSignal) => Promise<T>,
  deps: readonly unknown[],
): Loaded<T> & { reload: () => void } {
  const [result, setResult] = useState<Loaded<T>>({
    state: 'loading',
    data: undefined,
    error: undefined,
  });
  const [tick, setTick] = useState(0);
  const latest = useRef(fetcher);
  latest.current = fetcher;
  useEffect(() => {
    const controller = new AbortController();
    setResult((r) => ({ state: 'loading', data: r.data, error: undefined }));
    latest.current(controller.signal).then(
      (data) => {
        if (!controller.signal.aborted) setResult({ state: 'ok', data, error: undefined });
      },
      (err: unknown) => {
        if (!controller.signal.aborted) {
          setResult((r) => ({ state: 'error', data: r.data, error: messageOf(err) }));
        }
      },
    );
    return () => controller.abort();
  }, [...deps, tick]);
  const reload = useCallback(() => setTick((t) => t + 1), []);
  return { ...result, reload };
}
