import { useState } from 'preact/hooks';
import { api, messageOf } from '../api.ts';
import { Field } from '../ui/field.tsx';
import { FormNote } from '../ui/states.tsx';

export function SetPassword({ token, navigate }: { token: string; navigate: (p: string) => void }) {
  const [error, setError] = useState<string | undefined>();
  const [done, setDone] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const password = String(form.get('password'));
    if (password !== String(form.get('confirm'))) {
      setError('The two passwords are not the same.');
      return;
    }
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<{ email: string }>('/password', {
        method: 'POST',
        body: { token, password },
      });
      setDone(r.email);
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  return (
    <main id="main" class="narrow">
      <p class="brand big">goodtake</p>
      <h1>Choose your password</h1>
      {done ? (
        <div class="card stack">
          <FormNote ok={`Your password is set. Sign in as ${done}.`} />
          <button type="button" onClick={() => navigate('/sign-in')}>
            Go to sign-in
          </button>
        </div>
      ) : (
        <form onSubmit={submit} class="card stack">
          <Field id="new-password" label="New password" hint="At least 10 characters.">
            <input
              id="new-password"
              name="password"
              type="password"
              autocomplete="new-password"
              minLength={10}
              required
              aria-describedby="new-password-hint"
            />
          </Field>
          <Field id="confirm-password" label="Repeat the password">
            <input
              id="confirm-password"
              name="confirm"
              type="password"
              autocomplete="new-password"
              minLength={10}
              required
            />
          </Field>
          <FormNote error={error} />
          <button type="submit" disabled={busy}>
            {busy ? 'Saving…' : 'Set password'}
          </button>
        </form>
      )}
    </main>
  );
}
