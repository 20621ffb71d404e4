import type { GenerationDetail } from '../../api.ts';
import {
  bytes,
  credits,
  ledgerKind,
  outcomeLabel,
  provenanceLabel,
  seconds,
  statusLabel,
  usd,
  when,
} from '../../format.ts';
import { StatusBadge, Table } from '../../ui/table.tsx';

/** One generation in full: its images (each with a download), what it cost, when, how. */
export function GenerationView({ g, operator }: { g: GenerationDetail; operator: boolean }) {
  return (
    <>
      <p class="prompt big">{g.prompt ?? '(prompt not recorded)'}</p>
      <div class="images">
        {g.images.map((img, i) => (
          <figure key={img.id} class="card">
            <a href={img.url} target="_blank" rel="noopener">
              <img
                src={img.url}
                alt={`Result ${i + 1} of “${g.prompt ?? g.id}”`}
                width={img.width}
                height={img.height}
              />
            </a>
            <figcaption class="row">
              <span>
                {img.width}×{img.height} · {bytes(img.bytes)}
                <br />
                <small class="provenance">{provenanceLabel(img)}</small>
              </span>
              <a class="button secondary" href={img.url} download={`${g.id}-${i + 1}`}>
                Download image {i + 1}
              </a>
            </figcaption>
          </figure>
        ))}
        {g.images.length === 0 ? <p class="state empty">This request delivered no image.</p> : null}
      </div>
      <dl class="facts card">
        <dt>Status</dt>
        <dd>
          <StatusBadge status={g.status} label={statusLabel(g.status)} />
          {g.error_code ? ` (${g.error_code})` : ''}
        </dd>
        <dt>Model and size</dt>
        <dd>
          {g.model}, {g.size}
          {g.blend ? ', blend mode' : ''}
        </dd>
        <dt>Images</dt>
        <dd>
          {g.images_delivered} of {g.number_of_images} delivered
        </dd>
        <dt>Credits</dt>
        <dd>
          {credits(g.credits_charged)} charged of {credits(g.credits_reserved)} reserved (
          {g.price_per_image} per image)
        </dd>
        <dt>Started</dt>
        <dd>{when(g.created_at)}</dd>
        <dt>Took</dt>
        <dd>{seconds(g.duration_ms)}</dd>
        <dt>Key</dt>
        <dd>{g.key_name}</dd>
        {operator ? (
          <>
            <dt>Account</dt>
            <dd>
              {g.account_name} (<code>{g.account_id}</code>)
            </dd>
            <dt>Request id</dt>
            <dd>
              <code>{g.request_id}</code>
            </dd>
            <dt>Settled by</dt>
            <dd>
              {g.settled_by === 'lease_sweeper'
                ? 'the reservation sweeper (the request did not finish)'
                : (g.settled_by ?? 'not yet')}
            </dd>
          </>
        ) : null}
      </dl>
      <h2>Upstream attempts</h2>
      {g.attempts.length === 0 ? (
        <p class="state empty">No upstream was called.</p>
      ) : (
        <Table
          caption="Upstream attempts"
          head={[
            'Image',
            'Provider',
            'Upstream model',
            'Outcome',
            'Took',
            ...(operator ? ['Upstream request id', 'Estimated cost'] : []),
          ]}
        >
          {g.attempts.map((a, i) => (
            <tr key={i}>
              <td class="num">{a.index + 1}</td>
              <td>{a.provider}</td>
              <td>
                <code>{a.upstream_model}</code>
              </td>
              <td>{outcomeLabel(a.outcome)}</td>
              <td class="num">{seconds(a.latency_ms)}</td>
              {operator ? (
                <>
                  <td>{a.upstream_request_id ? <code>{a.upstream_request_id}</code> : '—'}</td>
                  <td class="num">
                    {a.estimated_cost_usd === undefined ? '—' : usd(a.estimated_cost_usd)}
                  </td>
                </>
              ) : null}
            </tr>
          ))}
        </Table>
      )}
      <h2>Credits moved</h2>
      {g.ledger.length === 0 ? (
        <p class="state empty">No credits moved.</p>
      ) : (
        <Table caption="Credits moved" head={['When', 'What', 'Credits', 'Reason']}>
          {g.ledger.map((e) => (
            <tr key={e.id}>
              <td>{when(e.at)}</td>
              <td>{ledgerKind(e.kind)}</td>
              <td class="num">{e.amount}</td>
              <td>{e.reason}</td>
            </tr>
          ))}
        </Table>
      )}
    </>
  );
}
