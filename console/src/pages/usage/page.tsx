import { useMemo, useState } from 'preact/hooks';
import { type ApiKey, api, type Model } from '../../api.ts';
import { count } from '../../format.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { Field } from '../../ui/field.tsx';
import { useLoad } from '../../ui/load.ts';
import { Empty, ErrorNote, Loading } from '../../ui/states.tsx';
import { Table } from '../../ui/table.tsx';
import { UsageChart } from './chart.tsx';

interface Usage {
  from: string;
  to: string;
  totals: { requests: number; images: number; credits: number };
  days: Array<{
    day: string;
    model: string;
    key_id: string;
    key_name: string;
    requests: number;
    images: number;
    credits: number;
  }>;
}

const DAY = 86_400_000;
const isoDay = (t: number) => new Date(t).toISOString().slice(0, 10);

function UsagePage({ accountId }: PageProps) {
  const today = isoDay(Date.now());
  const [filter, setFilter] = useState({
    from: isoDay(Date.now() - 29 * DAY),
    to: today,
    model: '',
    key: '',
  });
  const models = useLoad(
    (signal) => api<{ models: Model[] }>('/models', { signal }).then((r) => r.models),
    [],
  );
  const keys = useLoad(
    (signal) =>
      api<{ keys: ApiKey[] }>(`/accounts/${accountId}/keys`, { signal }).then((r) => r.keys),
    [accountId],
  );
  const query = useMemo(() => {
    const q = new URLSearchParams({ from: filter.from, to: isoDay(Date.parse(filter.to) + DAY) });
    if (filter.model) q.set('model', filter.model);
    if (filter.key) q.set('key', filter.key);
    return q.toString();
  }, [filter]);
  const usage = useLoad(
    (signal) => api<Usage>(`/accounts/${accountId}/usage?${query}`, { signal }),
    [accountId, query],
  );

  const series = useMemo(() => {
    const days: string[] = [];
    for (let t = Date.parse(filter.from); t <= Date.parse(filter.to); t += DAY)
      days.push(isoDay(t));
    const images = days.map(() => 0);
    const credits = days.map(() => 0);
    for (const row of usage.data?.days ?? []) {
      const i = days.indexOf(row.day);
      if (i >= 0) {
        images[i]! += row.images;
        credits[i]! += row.credits;
      }
    }
    return { days, images, credits };
  }, [usage.data, filter.from, filter.to]);

  const set = (name: keyof typeof filter) => (e: Event) =>
    setFilter((f) => ({ ...f, [name]: (e.currentTarget as HTMLInputElement).value }));

  return (
    <>
      <form class="card filters" onSubmit={(e) => e.preventDefault()}>
        <Field id="usage-from" label="From">
          <input
            id="usage-from"
            type="date"
            value={filter.from}
            max={filter.to}
            onChange={set('from')}
          />
        </Field>
        <Field id="usage-to" label="To">
          <input
            id="usage-to"
            type="date"
            value={filter.to}
            min={filter.from}
            onChange={set('to')}
          />
        </Field>
        <Field id="usage-model" label="Model">
          <select id="usage-model" value={filter.model} onChange={set('model')}>
            <option value="">All models</option>
            {(models.data ?? []).map((m) => (
              <option key={m.id} value={m.id}>
                {m.name}
              </option>
            ))}
          </select>
        </Field>
        <Field id="usage-key" label="Key">
          <select id="usage-key" value={filter.key} onChange={set('key')}>
            <option value="">All keys</option>
            {(keys.data ?? []).map((k) => (
              <option key={k.id} value={k.id}>
                {k.name}
              </option>
            ))}
          </select>
        </Field>
        <a
          class="button secondary"
          href={`/console/api/accounts/${accountId}/usage.csv?${query}`}
          download
        >
          Download CSV
        </a>
      </form>
      {usage.state === 'error' ? (
        <ErrorNote message={usage.error} retry={usage.reload} />
      ) : !usage.data ? (
        <Loading what="usage" />
      ) : (
        <>
          <section class="cards" aria-label="Totals">
            <div class="card metric">
              <span>Requests</span>
              <strong>{count(usage.data.totals.requests)}</strong>
            </div>
            <div class="card metric">
              <span>Images</span>
              <strong>{count(usage.data.totals.images)}</strong>
            </div>
            <div class="card metric">
              <span>Credits</span>
              <strong>{count(usage.data.totals.credits)}</strong>
            </div>
          </section>
          {usage.data.days.length === 0 ? (
            <Empty>No requests in this period.</Empty>
          ) : (
            <>
              <UsageChart days={series.days} images={series.images} credits={series.credits} />
              <Table
                caption="Usage per day"
                head={['Day', 'Model', 'Key', 'Requests', 'Images', 'Credits']}
              >
                {usage.data.days.map((r) => (
                  <tr key={`${r.day}-${r.model}-${r.key_id}`}>
                    <td>{r.day}</td>
                    <td>{r.model}</td>
                    <td>{r.key_name}</td>
                    <td class="num">{count(r.requests)}</td>
                    <td class="num">{count(r.images)}</td>
                    <td class="num">{count(r.credits)}</td>
                  </tr>
                ))}
              </Table>
            </>
          )}
        </>
      )}
    </>
  );
}

export const page: PageDef = {
  path: '/usage',
  title: 'Usage',
  group: 'account',
  nav: 3,
  component: UsagePage,
};
