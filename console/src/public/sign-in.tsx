import { useState } from 'preact/hooks';
import { ApiFailure, api, messageOf, type Who } from '../api.ts';
import { Field } from '../ui/field.tsx';
import { FormNote } from '../ui/states.tsx';

export function SignIn({
  onSignedIn,
}: {
  onSignedIn: (s: { user: Who; csrf_token: string }) => void;
}) {
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    setBusy(true);
    setError(undefined);
    try {
      const s = await api<{ user: Who; csrf_token: string }>('/session', {
        method: 'POST',
        body: { email: form.get('email'), password: form.get('password') },
      });
      onSignedIn(s);
    } catch (err) {
      setError(
        err instanceof ApiFailure && err.code === 'rate_limit_exceeded'
          ? `Too many failed sign-ins. Try again in ${err.retryAfter ?? 60} seconds.`
          : messageOf(err),
      );
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="narrow">
      <p class="brand big">goodtake</p>
      <h1>Sign in</h1>
      <form onSubmit={submit} class="card stack">
        <Field id="email" label="Email">
          <input id="email" name="email" type="email" autocomplete="username" required />
        </Field>
        <Field id="password" label="Password">
          <input
            id="password"
            name="password"
            type="password"
            autocomplete="current-password"
            required
          />
        </Field>
        <FormNote error={error} />
        <button type="submit" disabled={busy}>
          {busy ? 'Signing in…' : 'Sign in'}
        </button>
      </form>
      <p class="muted">
        Accounts are created by your operator. Ask them for an invitation or a new password link.
      </p>
    </main>
  );
}
