import { useState } from 'preact/hooks';
import { type Account, api, type LinkDelivery, messageOf, type User } from '../../api.ts';
import { credits, when } from '../../format.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { Field } from '../../ui/field.tsx';
import { useLoad } from '../../ui/load.ts';
import { ErrorNote, FormNote, Loading } from '../../ui/states.tsx';
import { InviteForm, LinkNote, PeopleTable } from '../members/people.tsx';

function AccountAdmin({ params, openAccount }: PageProps) {
  const id = params.id!;
  const account = useLoad((signal) => api<Account>(`/accounts/${id}`, { signal }), [id]);
  const people = useLoad(
    (signal) => api<{ users: User[] }>(`/users?account=${id}`, { signal }).then((r) => r.users),
    [id],
  );
  const [error, setError] = useState<string | undefined>();
  const [ok, setOk] = useState<string | undefined>();
  const [link, setLink] = useState<(LinkDelivery & { email: string }) | undefined>();

  const move = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    setError(undefined);
    setOk(undefined);
    try {
      const a = await api<Account>(`/accounts/${id}/credits`, {
        method: 'POST',
        body: {
          kind: data.get('kind'),
          amount: Number(data.get('amount')),
          reason: data.get('reason'),
        },
      });
      form.reset();
      setOk(`Done. The balance is now ${credits(a.balance)}.`);
      account.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };
  const suspend = async (action: 'suspend' | 'resume') => {
    try {
      await api(`/accounts/${id}/${action}`, { method: 'POST' });
      account.reload();
    } catch (err) {
      setError(messageOf(err));
    }
  };

  if (account.state === 'error')
    return <ErrorNote message={account.error} retry={account.reload} />;
  if (!account.data) return <Loading what="the account" />;
  const a = account.data;
  return (
    <>
      <p>
        <a href="#/ops/accounts">← All accounts</a>
      </p>
      <section class="card">
        <h2>{a.name}</h2>
        <p>
          <code>{a.id}</code>, created {when(a.created_at)}
        </p>
        <p>
          Balance <strong>{credits(a.balance)}</strong>, reserved {credits(a.reserved)}, available{' '}
          {credits(a.available)}.
        </p>
        <p class="row">
          {a.suspended_at ? (
            <>
              <span class="badge badge-failed">Suspended since {when(a.suspended_at)}</span>
              <button type="button" onClick={() => suspend('resume')}>
                Resume account
              </button>
            </>
          ) : (
            <button type="button" class="danger" onClick={() => suspend('suspend')}>
              Suspend account
            </button>
          )}
          <button type="button" class="secondary" onClick={() => openAccount(a.id)}>
            Open its console pages
          </button>
        </p>
      </section>
      <h2>Credits</h2>
      <form class="card grid-2" onSubmit={move}>
        <Field id="credit-kind" label="Kind">
          <select id="credit-kind" name="kind">
            <option value="grant">Grant (add credits)</option>
            <option value="correction">Correction (add or remove)</option>
          </select>
        </Field>
        <Field id="credit-amount" label="Amount" hint="A correction may be negative.">
          <input
            id="credit-amount"
            name="amount"
            type="number"
            step={1}
            required
            aria-describedby="credit-amount-hint"
          />
        </Field>
        <Field
          id="credit-reason"
          label="Reason"
          hint="Required; shown in the account’s history and the audit log."
        >
          <input
            id="credit-reason"
            name="reason"
            required
            minLength={3}
            maxLength={500}
            aria-describedby="credit-reason-hint"
          />
        </Field>
        <div class="field end">
          <button type="submit">Apply</button>
        </div>
      </form>
      <FormNote error={error} ok={ok} />
      <h2>Members</h2>
      <InviteForm
        accountId={a.id}
        onInvited={(l) => {
          setLink(l);
          people.reload();
        }}
      />
      {link ? <LinkNote delivery={link} /> : null}
      <PeopleTable loaded={people} onChanged={(l) => (l ? setLink(l) : people.reload())} />
    </>
  );
}

export const page: PageDef = {
  path: '/ops/accounts/:id',
  title: 'Account',
  group: 'operator',
  component: AccountAdmin,
};
