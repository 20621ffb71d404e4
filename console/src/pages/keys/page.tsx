import { useState } from 'preact/hooks';
import { type ApiKey, api, messageOf } from '../../api.ts';
import { when } from '../../format.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { CopyButton } from '../../ui/copy.tsx';
import { Field } from '../../ui/field.tsx';
import { useLoad } from '../../ui/load.ts';
import { FormNote, ListStates } from '../../ui/states.tsx';
import { StatusBadge, Table } from '../../ui/table.tsx';

export function KeyRows(props: {
  keys: ApiKey[];
  onRevoke: (k: ApiKey) => Promise<void>;
  showAccount?: boolean;
}) {
  const [confirming, setConfirming] = useState<string | undefined>();
  return (
    <Table
      caption="API keys"
      head={[
        'Name',
        ...(props.showAccount ? ['Account'] : []),
        'Prefix',
        'Limits',
        'Created',
        'Last used',
        'Status',
        '',
      ]}
    >
      {props.keys.map((k) => (
        <tr key={k.id}>
          <td>{k.kind === 'console' ? `${k.name} (console)` : k.name}</td>
          {props.showAccount ? (
            <td>
              <code>{k.account_id}</code>
            </td>
          ) : null}
          <td>
            <code>{k.prefix}…</code>
          </td>
          <td>
            {k.requests_per_minute === 0 ? 'no limit' : `${k.requests_per_minute}/min`},{' '}
            {k.concurrent_generations === 0 ? 'any' : k.concurrent_generations} at once
          </td>
          <td>{when(k.created_at)}</td>
          <td>{k.last_used_at ? when(k.last_used_at) : 'Never'}</td>
          <td>
            {k.revoked_at ? (
              <StatusBadge status="failed" label="Revoked" />
            ) : (
              <StatusBadge status="succeeded" label="Active" />
            )}
          </td>
          <td>
            {k.revoked_at ? null : confirming === k.id ? (
              <span class="row">
                <button
                  type="button"
                  class="danger"
                  aria-label={`Confirm revoking ${k.name}`}
                  onClick={async () => {
                    await props.onRevoke(k);
                    setConfirming(undefined);
                  }}
                >
                  Confirm revoke
                </button>
                <button type="button" class="secondary" onClick={() => setConfirming(undefined)}>
                  Cancel
                </button>
              </span>
            ) : (
              <button
                type="button"
                class="secondary"
                aria-label={`Revoke ${k.name}`}
                onClick={() => setConfirming(k.id)}
              >
                Revoke
              </button>
            )}
          </td>
        </tr>
      ))}
    </Table>
  );
}

function Keys({ accountId }: PageProps) {
  const keys = useLoad(
    (signal) =>
      api<{ keys: ApiKey[] }>(`/accounts/${accountId}/keys`, { signal }).then((r) => r.keys),
    [accountId],
  );
  const [created, setCreated] = useState<{ name: string; key: string } | undefined>();
  const [error, setError] = useState<string | undefined>();
  const [busy, setBusy] = useState(false);
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const name = String(new FormData(form).get('name'));
    setBusy(true);
    setError(undefined);
    try {
      const r = await api<{ key: string; name: string }>(`/accounts/${accountId}/keys`, {
        method: 'POST',
        body: { name },
      });
      setCreated({ name: r.name, key: r.key });
      form.reset();
      keys.reload();
    } catch (err) {
      setError(messageOf(err));
    } finally {
      setBusy(false);
    }
  };
  const revoke = async (k: ApiKey) => {
    try {
      await api(`/accounts/${accountId}/keys/${k.id}`, { method: 'DELETE' });
      setError(undefined);
    } catch (err) {
      setError(messageOf(err));
    }
    keys.reload();
  };
  return (
    <>
      <form class="card row-form" onSubmit={create}>
        <Field id="key-name" label="Key name" hint="Say where it is used, e.g. Production App.">
          <input
            id="key-name"
            name="name"
            required
            maxLength={100}
            aria-describedby="key-name-hint"
          />
        </Field>
        <button type="submit" disabled={busy}>
          {busy ? 'Creating…' : 'Create key'}
        </button>
      </form>
      <FormNote error={error} />
      {created ? (
        <section class="card secret" aria-labelledby="new-key-heading">
          <h2 id="new-key-heading">Your new key “{created.name}”</h2>
          <p>
            Copy it now: this is the only time it is shown. Store it as a secret; anyone with it can
            spend this account’s credits.
          </p>
          <p class="row">
            <code class="key" data-testid="new-key">
              {created.key}
            </code>
            <CopyButton text={created.key} label="Copy key" />
          </p>
          <button type="button" class="secondary" onClick={() => setCreated(undefined)}>
            I have stored it
          </button>
        </section>
      ) : null}
      <h2>Keys</h2>
      <ListStates
        loaded={keys}
        what="the keys"
        empty="No keys yet. Create one above to call the API."
      >
        {(list: ApiKey[]) => <KeyRows keys={list} onRevoke={revoke} />}
      </ListStates>
    </>
  );
}

export const page: PageDef = {
  path: '/keys',
  title: 'API keys',
  group: 'account',
  nav: 2,
  component: Keys,
};
