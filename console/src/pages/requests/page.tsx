import { useMemo, useState } from 'preact/hooks';
import { api, type Generation } from '../../api.ts';
import { credits, seconds, statusLabel, when } from '../../format.ts';
import type { PageDef } from '../../pages.ts';
import { Field } from '../../ui/field.tsx';
import { useLoad } from '../../ui/load.ts';
import { ListStates } from '../../ui/states.tsx';
import { StatusBadge, Table } from '../../ui/table.tsx';

const EMPTY = { status: '', account: '', key: '', model: '', error_code: '', from: '', to: '' };

function Requests() {
  const [draft, setDraft] = useState(EMPTY);
  const [filter, setFilter] = useState(EMPTY);
  const query = useMemo(() => {
    const q = new URLSearchParams({ limit: '100' });
    for (const [k, v] of Object.entries(filter)) {
      if (!v) continue;
      q.set(k, k === 'from' || k === 'to' ? new Date(v).toISOString() : v);
    }
    return q.toString();
  }, [filter]);
  const list = useLoad(
    (signal) =>
      api<{ requests: Generation[] }>(`/requests?${query}`, { signal }).then((r) => r.requests),
    [query],
  );
  const set = (name: keyof typeof EMPTY) => (e: Event) =>
    setDraft((d) => ({ ...d, [name]: (e.currentTarget as HTMLInputElement).value.trim() }));
  return (
    <>
      <form
        class="card filters"
        onSubmit={(e) => {
          e.preventDefault();
          setFilter(draft);
        }}
      >
        <Field id="rq-status" label="Status">
          <select id="rq-status" value={draft.status} onChange={set('status')}>
            <option value="">Any</option>
            <option value="succeeded">Succeeded</option>
            <option value="partial">Partly delivered</option>
            <option value="failed">Failed</option>
            <option value="pending">In progress</option>
          </select>
        </Field>
        <Field id="rq-account" label="Account id">
          <input
            id="rq-account"
            value={draft.account}
            onInput={set('account')}
            placeholder="acc_…"
          />
        </Field>
        <Field id="rq-key" label="Key id">
          <input id="rq-key" value={draft.key} onInput={set('key')} placeholder="key_…" />
        </Field>
        <Field id="rq-model" label="Model">
          <input
            id="rq-model"
            value={draft.model}
            onInput={set('model')}
            placeholder="seedream-4-5-251128"
          />
        </Field>
        <Field id="rq-error" label="Error code">
          <input
            id="rq-error"
            value={draft.error_code}
            onInput={set('error_code')}
            placeholder="upstream_timeout"
          />
        </Field>
        <Field id="rq-from" label="From">
          <input id="rq-from" type="datetime-local" value={draft.from} onInput={set('from')} />
        </Field>
        <Field id="rq-to" label="To">
          <input id="rq-to" type="datetime-local" value={draft.to} onInput={set('to')} />
        </Field>
        <div class="field end row">
          <button type="submit">Apply filters</button>
          <button
            type="button"
            class="secondary"
            onClick={() => {
              setDraft(EMPTY);
              setFilter(EMPTY);
            }}
          >
            Clear
          </button>
        </div>
      </form>
      <ListStates loaded={list} what="requests" empty="No request matches these filters.">
        {(rows: Generation[]) => (
          <Table
            caption="Requests"
            head={['Preview', 'When', 'Account', 'Key', 'Model', 'Status', 'Credits', 'Took', '']}
          >
            {rows.map((g) => (
              <tr key={g.id}>
                <td>
                  {g.images[0] ? (
                    <img class="thumb" src={g.images[0].url} alt="" loading="lazy" />
                  ) : (
                    <span class="muted">none</span>
                  )}
                </td>
                <td>{when(g.created_at)}</td>
                <td>{g.account_name}</td>
                <td>{g.key_name}</td>
                <td>
                  {g.model}, {g.size}
                </td>
                <td>
                  <StatusBadge status={g.status} label={statusLabel(g.status)} />
                  {g.error_code ? <small> {g.error_code}</small> : null}
                </td>
                <td class="num">{credits(g.credits_charged)}</td>
                <td>{seconds(g.duration_ms)}</td>
                <td>
                  <a href={`#/ops/requests/${g.id}`} aria-label={`Details of request ${g.id}`}>
                    Details
                  </a>
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
  path: '/ops/requests',
  title: 'Request log',
  group: 'operator',
  nav: 4,
  component: Requests,
};
