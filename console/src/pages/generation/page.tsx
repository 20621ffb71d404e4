import { api, type GenerationDetail } from '../../api.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { useLoad } from '../../ui/load.ts';
import { ErrorNote, Loading } from '../../ui/states.tsx';
import { GenerationView } from './detail.tsx';

function Generation({ accountId, params, who }: PageProps) {
  const g = useLoad(
    (signal) =>
      api<GenerationDetail>(`/accounts/${accountId}/generations/${params.id}`, { signal }),
    [accountId, params.id],
  );
  return (
    <>
      <p>
        <a href="#/gallery">← Back to the gallery</a>
      </p>
      {g.state === 'error' ? (
        <ErrorNote message={g.error} retry={g.reload} />
      ) : !g.data ? (
        <Loading what="the generation" />
      ) : (
        <GenerationView g={g.data} operator={who.role === 'operator'} />
      )}
    </>
  );
}

export const page: PageDef = {
  path: '/gallery/:id',
  title: 'Generation',
  group: 'account',
  component: Generation,
};
