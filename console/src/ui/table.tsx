import type { ComponentChildren } from 'preact';

/** A table that scrolls sideways on narrow screens instead of breaking the layout. */
export function Table(props: { caption: string; head: string[]; children: ComponentChildren }) {
  return (
    <div class="table-wrap">
      <table>
        <caption class="visually-hidden">{props.caption}</caption>
        <thead>
          <tr>
            {props.head.map((h) => (
              <th scope="col" key={h}>
                {h}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>{props.children}</tbody>
      </table>
    </div>
  );
}

export function StatusBadge({ status, label }: { status: string; label: string }) {
  return <span class={`badge badge-${status}`}>{label}</span>;
}
