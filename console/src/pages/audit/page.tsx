import { useState } from 'preact/hooks';
import { api } from '../../api.ts';
import { actionLabel, when } from '../../format.ts';
import type { PageDef } from '../../pages.ts';
import { Field } from '../../ui/field.tsx';
import { useLoad } from '../../ui/load.ts';
import { ListStates } from '../../ui/states.tsx';
import { Table } from '../../ui/table.tsx';

interface Entry {
  id: string;
  at: string;
  actor: string;
  action: string;
  account_id: string | null;
  target: string | null;
  detail: string;
  address: string | null;
}

const ACTIONS = [
  'sign_in',
  'sign_in_failed',
  'sign_in_throttled',
  'account_created',
  'account_suspended',
  'account_resumed',
  'credits_granted',
  'credits_corrected',
  'key_created',
  'key_revoked',
  'member_invited',
  'operator_invited',
  'operator_created',
  'user_removed',
  'password_reset',
  'password_set',
  'ledger_verified',
];

function Audit() {
  const [action, setAction] = useState('');
  const list = useLoad(
    (signal) =>
      api<{ entries: Entry[] }>(`/audit?limit=200${action ? `&action=${action}` : ''}`, {
        signal,
      }).then((r) => r.entries),
    [action],
  );
  return (
    <>
      <form class="row-form" onSubmit={(e) => e.preventDefault()}>
        <Field id="audit-action" label="Action">
          <select
            id="audit-action"
            value={action}
            onChange={(e) => setAction((e.currentTarget as HTMLSelectElement).value)}
          >
            <option value="">All actions</option>
            {ACTIONS.map((a) => (
              <option key={a} value={a}>
                {actionLabel(a)}
              </option>
            ))}
          </select>
        </Field>
      </form>
      <ListStates loaded={list} what="the audit log" empty="Nothing recorded yet.">
        {(entries: Entry[]) => (
          <Table
            caption="Audit log"
            head={['When', 'Who', 'Action', 'Account', 'About', 'Detail', 'From']}
          >
            {entries.map((e) => (
              <tr key={e.id}>
                <td>{when(e.at)}</td>
                <td>{e.actor}</td>
                <td>{actionLabel(e.action)}</td>
                <td>
                  {e.account_id ? (
                    <a href={`#/ops/accounts/${e.account_id}`}>{e.account_id}</a>
                  ) : (
                    '—'
                  )}
                </td>
                <td>{e.target ?? '—'}</td>
                <td>{e.detail || '—'}</td>
                <td>{e.address ?? '—'}</td>
              </tr>
            ))}
          </Table>
        )}
      </ListStates>
    </>
  );
}

export const page: PageDef = {
  path: '/ops/audit',
  title: 'Audit log',
  group: 'operator',
  nav: 6,
  component: Audit,
};
