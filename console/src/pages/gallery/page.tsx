import { useState } from 'preact/hooks';
import { api, type Generation } from '../../api.ts';
import { credits, statusLabel, when } from '../../format.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { useLoad } from '../../ui/load.ts';
import { ListStates } from '../../ui/states.tsx';
import { StatusBadge } from '../../ui/table.tsx';

export function GenerationCard({ g, href }: { g: Generation; href: string }) {
  const first = g.images[0];
  return (
    <li class="card tile">
      <a href={href} aria-label={`Open ${g.prompt ? `“${g.prompt.slice(0, 60)}”` : g.id}`}>
        {first ? (
          <img
            src={first.url}
            alt={g.prompt ?? 'Generated image'}
            loading="lazy"
            width={first.width}
            height={first.height}
          />
        ) : (
          <span class="no-image">No image</span>
        )}
      </a>
      <p class="prompt">{g.prompt ?? '(prompt not recorded)'}</p>
      <p class="meta">
        <StatusBadge status={g.status} label={statusLabel(g.status)} /> {g.model} · {g.size} ·{' '}
        {g.images_delivered}/{g.number_of_images} · {credits(g.credits_charged)}
      </p>
      <p class="meta">{when(g.created_at)}</p>
    </li>
  );
}

function Gallery({ accountId }: PageProps) {
  const [more, setMore] = useState(0);
  const list = useLoad(
    async (signal) => {
      const all: Generation[] = [];
      let before: string | null = null;
      for (let i = 0; i <= more; i++) {
        const r: { generations: Generation[]; next: string | null } = await api(
          `/accounts/${accountId}/generations?limit=24${before ? `&before=${before}` : ''}`,
          { signal },
        );
        all.push(...r.generations);
        before = r.next;
        if (!before) break;
      }
      return { all, next: before };
    },
    [accountId, more],
  );
  return (
    <ListStates
      loaded={{ ...list, data: list.data?.all } as never}
      what="your images"
      empty={
        <>
          No images yet. Try the <a href="#/playground">playground</a> or call the API with a key.
        </>
      }
    >
      {(all: Generation[]) => (
        <>
          <ul class="gallery" aria-label="Generations">
            {all.map((g) => (
              <GenerationCard key={g.id} g={g} href={`#/gallery/${g.id}`} />
            ))}
          </ul>
          {list.data?.next ? (
            <button type="button" class="secondary" onClick={() => setMore((m) => m + 1)}>
              Show older images
            </button>
          ) : null}
        </>
      )}
    </ListStates>
  );
}

export const page: PageDef = {
  path: '/gallery',
  title: 'Gallery',
  group: 'account',
  nav: 4,
  component: Gallery,
};
