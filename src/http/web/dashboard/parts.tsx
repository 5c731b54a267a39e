/** Pieces every dashboard panel uses: loading a result, the panel frame, and its loading or error line. */
import type { ComponentChildren } from 'preact';
import { useCallback, useEffect, useState } from 'preact/hooks';
import { ApiError } from './api';

export function useLoad<T>(load: () => Promise<T>, deps: unknown[] = []) {
  const [state, setState] = useState<{ data?: T; error?: ApiError | Error; loading: boolean }>({ loading: true });
  const reload = useCallback(() => {
    setState((s) => ({ ...s, loading: true }));
    load().then(
      (data) => setState({ data, loading: false }),
      (error: Error) => setState({ error, loading: false }),
    );
  }, deps);
  useEffect(reload, [reload]);
  return { ...state, reload };
}

/** Said when the books change here (a statement uploaded): panels that show them load again. */
export const BOOKS_CHANGED = 'cfo:books-changed';

/** Loads again whenever the books change. */
export function useOnBooksChanged(reload: () => void) {
  useEffect(() => {
    window.addEventListener(BOOKS_CHANGED, reload);
    return () => window.removeEventListener(BOOKS_CHANGED, reload);
  }, [reload]);
}

export function Panel({ title, children, id }: { title: string; children: ComponentChildren; id: string }) {
  return (
    <section class="panel" aria-labelledby={`${id}-h`} id={id}>
      <h2 id={`${id}-h`}>{title}</h2>
      {children}
    </section>
  );
}

export function Status({ loading, error }: { loading: boolean; error?: Error | undefined }) {
  if (loading) return <p class="muted">Loading…</p>;
  if (error)
    return (
      <p class="muted" role="status">
        {error instanceof ApiError && error.code === 'not_synced'
          ? 'No data yet: connect a source below.'
          : error.message}
      </p>
    );
  return null;
}
