/**
 * Live data by polling: loads at once, then every `intervalMs` while the tab is visible (paused when hidden,
 * refreshed on return). No websockets: the deployed API is plain REST behind IAM.
 */
import { useCallback, useEffect, useRef, useState } from 'preact/hooks';
import { ApiError } from './api.ts';

export interface Polled<T> {
  data: T | undefined;
  error: ApiError | undefined;
  loading: boolean;
  /** Loads again now (after an action). */
  reload: () => void;
}

/** Polls `load` (re-created when `key` changes); `intervalMs` 0 loads once. */
export function usePoll<T>(load: (signal: AbortSignal) => Promise<T>, key: string, intervalMs = 3000): Polled<T> {
  const [state, setState] = useState<{ data?: T; error?: ApiError; loading: boolean; key: string }>({
    loading: true,
    key,
  });
  const loadRef = useRef(load);
  loadRef.current = load;
  const [tick, setTick] = useState(0);
  const reload = useCallback(() => setTick((t) => t + 1), []);

  useEffect(() => {
    const controller = new AbortController();
    let timer: ReturnType<typeof setTimeout> | undefined;
    let stopped = false;
    const run = async () => {
      if (stopped) return;
      try {
        const data = await loadRef.current(controller.signal);
        if (!stopped) setState({ data, error: undefined, loading: false, key });
      } catch (error) {
        if (stopped || (error as Error).name === 'AbortError') return;
        const apiError =
          error instanceof ApiError
            ? error
            : new ApiError(0, 'client_error', (error as Error).message, undefined, undefined, {});
        setState((s) => ({ data: s.key === key ? s.data : undefined, error: apiError, loading: false, key }));
      }
      if (!stopped && intervalMs > 0 && document.visibilityState === 'visible') timer = setTimeout(run, intervalMs);
    };
    const onVisibility = () => {
      if (document.visibilityState === 'visible' && intervalMs > 0) {
        clearTimeout(timer);
        void run();
      } else clearTimeout(timer);
    };
    setState((s) => (s.key === key ? s : { loading: true, key }));
    void run();
    document.addEventListener('visibilitychange', onVisibility);
    return () => {
      stopped = true;
      controller.abort();
      clearTimeout(timer);
      document.removeEventListener('visibilitychange', onVisibility);
    };
  }, [key, intervalMs, tick]);

  const fresh = state.key === key;
  return {
    data: fresh ? state.data : undefined,
    error: fresh ? state.error : undefined,
    loading: !fresh || state.loading,
    reload,
  };
}
