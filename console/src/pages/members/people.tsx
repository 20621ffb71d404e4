import { useState } from 'preact/hooks';
import { api, type LinkDelivery, messageOf, type User } from '../../api.ts';
import { when } from '../../format.ts';
import { CopyButton } from '../../ui/copy.tsx';
import { Field } from '../../ui/field.tsx';
import type { Loaded } from '../../ui/load.ts';
import { FormNote, ListStates } from '../../ui/states.tsx';
import { Table } from '../../ui/table.tsx';

type Delivery = LinkDelivery & { email: string };

/** A one-time link: mailed, or shown to the operator to pass on. */
export function LinkNote({ delivery }: { delivery: Delivery }) {
  if (delivery.mailed) {
    return (
      <p class="note ok" role="status">
        A one-time link was mailed to {delivery.email}. It works until {when(delivery.expires_at)}.
      </p>
    );
  }
  return (
    <section class="card secret" aria-label="One-time link">
      <p>
        Send this one-time link to {delivery.email} (no mail server is configured). It works once,
        until {when(delivery.expires_at)}.
      </p>
      <p class="row">
        <code class="key" data-testid="one-time-link">
          {delivery.link}
        </code>
        <CopyButton text={delivery.link ?? ''} label="Copy link" />
      </p>
    </section>
  );
}

export function InviteForm(props: { accountId?: string; onInvited: (d: Delivery) => void }) {
  const [error, setError] = useState<string | undefined>();
  const submit = async (e: Event) => {
    e.preventDefault();
    const form = e.currentTarget as HTMLFormElement;
    const data = new FormData(form);
    const email = String(data.get('email'));
    const role = String(data.get('role') ?? 'member');
    setError(undefined);
    try {
      const r = await api<LinkDelivery>('/users', {
        method: 'POST',
        body: {
          email,
          role,
          ...(role === 'member' ? { account_id: props.accountId ?? data.get('account') } : {}),
        },
      });
      form.reset();
      props.onInvited({ ...r, email });
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <form class="card row-form" onSubmit={submit}>
        <Field id="invite-email" label="Email to invite">
          <input id="invite-email" name="email" type="email" required />
        </Field>
        {props.accountId ? (
          <input type="hidden" name="role" value="member" />
        ) : (
          <>
            <Field id="invite-role" label="Role">
              <select id="invite-role" name="role">
                <option value="member">Member of an account</option>
                <option value="operator">Operator</option>
              </select>
            </Field>
            <Field id="invite-account" label="Account id (members)">
              <input id="invite-account" name="account" placeholder="acc_…" />
            </Field>
          </>
        )}
        <button type="submit">Invite</button>
      </form>
      <FormNote error={error} />
    </>
  );
}

export function PeopleTable(props: {
  loaded: Loaded<User[]> & { reload: () => void };
  onChanged: (d?: Delivery) => void;
  showAccount?: boolean;
}) {
  const [error, setError] = useState<string | undefined>();
  const act = async (u: User, action: 'reset' | 'remove') => {
    setError(undefined);
    try {
      if (action === 'remove') {
        await api(`/users/${u.id}`, { method: 'DELETE' });
        props.onChanged();
      } else {
        const r = await api<LinkDelivery>(`/users/${u.id}/reset`, { method: 'POST' });
        props.onChanged({ ...r, email: u.email });
      }
    } catch (err) {
      setError(messageOf(err));
    }
  };
  return (
    <>
      <FormNote error={error} />
      <ListStates loaded={props.loaded} what="people" empty="Nobody yet.">
        {(users: User[]) => (
          <Table
            caption="People"
            head={[
              'Email',
              'Role',
              ...(props.showAccount ? ['Account'] : []),
              'Since',
              'Password',
              '',
            ]}
          >
            {users.map((u) => (
              <tr key={u.id}>
                <td>{u.email}</td>
                <td>{u.role}</td>
                {props.showAccount ? (
                  <td>
                    {u.account_id ? (
                      <a href={`#/ops/accounts/${u.account_id}`}>{u.account_id}</a>
                    ) : (
                      '—'
                    )}
                  </td>
                ) : null}
                <td>{when(u.created_at)}</td>
                <td>{u.has_password ? 'Set' : 'Invited'}</td>
                <td class="row">
                  <button
                    type="button"
                    class="secondary"
                    aria-label={`Reset the password of ${u.email}`}
                    onClick={() => act(u, 'reset')}
                  >
                    Reset password
                  </button>
                  <button
                    type="button"
                    class="danger"
                    aria-label={`Remove ${u.email}`}
                    onClick={() => act(u, 'remove')}
                  >
                    Remove
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
