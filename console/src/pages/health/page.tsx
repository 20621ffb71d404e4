import { useState } from 'preact/hooks';
import { api, messageOf } from '../../api.ts';
import { count, when } from '../../format.ts';
import type { PageDef } from '../../pages.ts';
import { useLoad } from '../../ui/load.ts';
import { ErrorNote, FormNote, Loading } from '../../ui/states.tsx';
import { Table } from '../../ui/table.tsx';

interface Health {
  providers: Array<{ id: string; description: string }>;
  database: string;
  storage: string;
  throughput: string;
  last_hour: {
    requests: number;
    failed: number;
    error_rate: number;
    errors: Record<string, number>;
  };
  config: Record<string, string>;
}

interface Verify {
  ok: boolean;
  checked_at: string;
  mismatches: Array<{
    account_id: string;
    field: string;
    expected: string;
    actual: string;
    detail: string;
  }>;
}

function HealthPage() {
  const health = useLoad((signal) => api<Health>('/health', { signal }), []);
  const [verify, setVerify] = useState<Verify | undefined>();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | undefined>();
  if (health.state === 'error') return <ErrorNote message={health.error} retry={health.reload} />;
  if (!health.data) return <Loading what="health" />;
  const h = health.data;
  return (
    <>
      <section class="cards" aria-label="Service">
        <div class="card metric">
          <span>{h.providers.length === 1 ? 'Provider' : 'Providers'}</span>
          {h.providers.map((p) => (
            <span key={p.id}>
              <strong class="small">{p.id}</strong> <small>{p.description}</small>
            </span>
          ))}
        </div>
        <div class="card metric">
          <span>Errors in the last hour</span>
          <strong>{(h.last_hour.error_rate * 100).toFixed(1)}%</strong>
          <small>
            {count(h.last_hour.failed)} failed of {count(h.last_hour.requests)} requests
          </small>
        </div>
        <div class="card metric">
          <span>Storage and database</span>
          <strong class="small">
            {h.storage}, {h.database}
          </strong>
        </div>
        <div class="card metric">
          <span>Upstream throughput guard</span>
          <small>{h.throughput}</small>
        </div>
      </section>
      {Object.keys(h.last_hour.errors).length > 0 ? (
        <Table caption="Errors by code" head={['Error code', 'Requests']}>
          {Object.entries(h.last_hour.errors).map(([code, n]) => (
            <tr key={code}>
              <td>
                <a href={`#/ops/requests`}>{code}</a>
              </td>
              <td class="num">{n}</td>
            </tr>
          ))}
        </Table>
      ) : null}
      <h2>Ledger check</h2>
      <div class="card stack">
        <p>Recomputes every account’s balance and reservations from its ledger entries.</p>
        <button
          type="button"
          disabled={busy}
          onClick={async () => {
            setBusy(true);
            setError(undefined);
            try {
              setVerify(await api<Verify>('/health/verify', { method: 'POST' }));
            } catch (err) {
              setError(messageOf(err));
            } finally {
              setBusy(false);
            }
          }}
        >
          {busy ? 'Checking…' : 'Verify the ledger'}
        </button>
        <FormNote
          error={
            error ??
            (verify && !verify.ok ? `${verify.mismatches.length} mismatch(es) found.` : undefined)
          }
          ok={verify?.ok ? `The books balance (checked ${when(verify.checked_at)}).` : undefined}
        />
        {verify && !verify.ok ? (
          <Table caption="Mismatches" head={['Account', 'Field', 'Expected', 'Actual', 'Detail']}>
            {verify.mismatches.map((m) => (
              <tr key={`${m.account_id}-${m.field}`}>
                <td>{m.account_id}</td>
                <td>{m.field}</td>
                <td>{m.expected}</td>
                <td>{m.actual}</td>
                <td>{m.detail}</td>
              </tr>
            ))}
          </Table>
        ) : null}
      </div>
      <h2>Configuration in force</h2>
      <p class="muted">Secrets are masked.</p>
      <Table caption="Configuration" head={['Setting', 'Value']}>
        {Object.entries(h.config).map(([k, v]) => (
          <tr key={k}>
            <td>
              <code>{k}</code>
            </td>
            <td>
              <code>{v}</code>
            </td>
          </tr>
        ))}
      </Table>
    </>
  );
}

export const page: PageDef = {
  path: '/ops/health',
  title: 'Health',
  group: 'operator',
  nav: 5,
  component: HealthPage,
};
