import { useState } from 'preact/hooks';
import { type Account, api, messageOf } from '../../api.ts';
import { count, when } from '../../format.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { Field } from '../../ui/field.tsx';
import { useLoad } from '../../ui/load.ts';
import { FormNote, ListStates } from '../../ui/states.tsx';
import { StatusBadge, Table } from '../../ui/table.tsx';

function Accounts({ openAccount, navigate }: PageProps) {
  const [q, setQ] = useState('');
  const list = useLoad(
    (signal) =>
      api<{ accounts: Account[] }>(`/accounts?limit=100${q ? `&q=${encodeURIComponent(q)}` : ''}`, {
        signal,
      }).then((r) => r.accounts),
    [q],
  );
  const [error, setError] = useState<string | undefined>();
  const [ok, setOk] = useState<string | undefined>();
  const create = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setError(undefined);
    setOk(undefined);
    try {
      const a = await api<Account>('/accounts', {
        method: 'POST',
        body: { name: data.get('name'), credits: Number(data.get('credits') || 0) },
      });
      form.reset();
      setOk(`Created ${a.name} with ${count(a.balance)} credits.`);
      navigate(`/ops/accounts/${a.id}`);
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <form class="card row-form" onSubmit={create} aria-labelledby="new-account">
        <h2 id="new-account" class="visually-hidden">
          New account
        </h2>
        <Field id="acc-name" label="Account name">
          <input id="acc-name" name="name" required maxLength={100} />
        </Field>
        <Field id="acc-credits" label="Starting credits">
          <input id="acc-credits" name="credits" type="number" min={0} step={1} defaultValue="0" />
        </Field>
        <button type="submit">Create account</button>
      </form>
      <FormNote error={error} ok={ok} />
      <search>
        <form class="row-form" onSubmit={(e) => e.preventDefault()}>
          <Field id="acc-search" label="Find an account">
            <input
              id="acc-search"
              type="search"
              placeholder="Name or acc_ id"
              onInput={(e) => setQ((e.currentTarget as HTMLInputElement).value.trim())}
            />
          </Field>
        </form>
      </search>
      <ListStates
        loaded={list}
        what="accounts"
        empty={q ? 'No account matches.' : 'No accounts yet.'}
      >
        {(accounts: Account[]) => (
          <Table
            caption="Accounts"
            head={['Name', 'Id', 'Balance', 'Reserved', 'Created', 'Status', '']}
          >
            {accounts.map((a) => (
              <tr key={a.id}>
                <td>
                  <a href={`#/ops/accounts/${a.id}`}>{a.name}</a>
                </td>
                <td>
                  <code>{a.id}</code>
                </td>
                <td class="num">{count(a.balance)}</td>
                <td class="num">{count(a.reserved)}</td>
                <td>{when(a.created_at)}</td>
                <td>
                  {a.suspended_at ? (
                    <StatusBadge status="failed" label="Suspended" />
                  ) : (
                    <StatusBadge status="succeeded" label="Active" />
                  )}
                </td>
                <td>
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`View ${a.name} as its members do`}
                    onClick={() => openAccount(a.id)}
                  >
                    Open
                  </button>
                </td>
              </tr>
            ))}
          </Table>
        )}
      </ListStates>
    </>
  );
}

export const page: PageDef = {
  path: '/ops/accounts',
  title: 'Accounts',
  group: 'operator',
  nav: 1,
  component: Accounts,
};
