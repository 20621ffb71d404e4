import { useState } from 'preact/hooks';
import { type Account, api } from '../../api.ts';
import { credits, ledgerKind, when } from '../../format.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { useLoad } from '../../ui/load.ts';
import { ErrorNote, ListStates, Loading } from '../../ui/states.tsx';
import { Table } from '../../ui/table.tsx';

interface Entry {
  id: string;
  kind: string;
  amount: number;
  reason: string;
  generation_id: string | null;
  at: string;
}

function Overview({ accountId }: PageProps) {
  const account = useLoad(
    (signal) => api<Account>(`/accounts/${accountId}`, { signal }),
    [accountId],
  );
  const [pages, setPages] = useState<string[]>([]);
  const history = useLoad(
    async (signal) => {
      let before: string | null = null;
      const entries: Entry[] = [];
      for (const _ of [undefined, ...pages]) {
        const q: string = before ? `&before=${before}` : '';
        const page: { entries: Entry[]; next: string | null } = await api(
          `/accounts/${accountId}/ledger?limit=25${q}`,
          { signal },
        );
        entries.push(...page.entries);
        before = page.next;
        if (!before) break;
      }
      return { entries, more: before !== null };
    },
    [accountId, pages.length],
  );

  return (
    <>
      {account.state === 'error' ? (
        <ErrorNote message={account.error} retry={account.reload} />
      ) : !account.data ? (
        <Loading what="the balance" />
      ) : (
        <section aria-label="Credits" class="cards">
          <div class="card metric">
            <span>Available</span>
            <strong data-testid="available">{credits(account.data.available)}</strong>
          </div>
          <div class="card metric">
            <span>Balance</span>
            <strong data-testid="balance">{credits(account.data.balance)}</strong>
          </div>
          <div class="card metric">
            <span>Reserved by requests in flight</span>
            <strong>{credits(account.data.reserved)}</strong>
          </div>
          <div class="card metric">
            <span>Account</span>
            <strong class="small">{account.data.name}</strong>
            {account.data.suspended_at ? <span class="badge badge-failed">Suspended</span> : null}
          </div>
        </section>
      )}
      <h2>Credit history</h2>
      <ListStates
        loaded={{ ...history, data: history.data?.entries } as never}
        what="the credit history"
        empty="No credits have moved yet."
      >
        {(entries: Entry[]) => (
          <>
            <Table caption="Credit history" head={['When', 'What', 'Credits', 'Reason', 'Request']}>
              {entries.map((e) => (
                <tr key={e.id}>
                  <td>{when(e.at)}</td>
                  <td>{ledgerKind(e.kind)}</td>
                  <td class="num">
                    {e.kind === 'capture' || e.kind === 'reserve'
                      ? `−${e.amount}`
                      : e.amount > 0
                        ? `+${e.amount}`
                        : e.amount}
                  </td>
                  <td>{e.reason}</td>
                  <td>
                    {e.generation_id ? (
                      <a href={`#/gallery/${e.generation_id}`}>View generation</a>
                    ) : (
                      '—'
                    )}
                  </td>
                </tr>
              ))}
            </Table>
            {history.data?.more ? (
              <button
                type="button"
                class="secondary"
                onClick={() => setPages((p) => [...p, 'more'])}
              >
                Show older entries
              </button>
            ) : null}
          </>
        )}
      </ListStates>
    </>
  );
}

export const page: PageDef = {
  path: '/overview',
  title: 'Credits',
  group: 'account',
  nav: 1,
  component: Overview,
};
