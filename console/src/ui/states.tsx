import type { ComponentChildren } from 'preact';
import type { Loaded } from './load.ts';

export function Loading({ what }: { what: string }) {
  return (
    <p class="state" role="status" aria-live="polite">
      <span class="spinner" aria-hidden="true" /> Loading {what}…
    </p>
  );
}

export function Empty({ children }: { children: ComponentChildren }) {
  return <p class="state empty">{children}</p>;
}

export function ErrorNote({ message, retry }: { message: string; retry?: () => void }) {
  return (
    <div class="state error" role="alert">
      <span>{message}</span>
      {retry ? (
        <button type="button" class="secondary" onClick={retry}>
          Try again
        </button>
      ) : null}
    </div>
  );
}

/** The three states of a list: loading, error, then empty or the list itself. */
export function ListStates<T>(props: {
  loaded: Loaded<T[]> & { reload: () => void };
  what: string;
  empty: ComponentChildren;
  children: (items: T[]) => ComponentChildren;
}) {
  const { loaded } = props;
  if (loaded.state === 'error') return <ErrorNote message={loaded.error} retry={loaded.reload} />;
  if (loaded.data === undefined) return <Loading what={props.what} />;
  if (loaded.data.length === 0) return <Empty>{props.empty}</Empty>;
  return <>{props.children(loaded.data)}</>;
}

/** A form's outcome: a failure to read, or a confirmation. */
export function FormNote({ error, ok }: { error?: string | undefined; ok?: string | undefined }) {
  if (error) {
    return (
      <p class="note error" role="alert">
        {error}
      </p>
    );
  }
  if (ok) {
    return (
      <p class="note ok" role="status">
        {ok}
      </p>
    );
  }
  return null;
}
