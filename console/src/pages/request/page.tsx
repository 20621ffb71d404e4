import { api, type GenerationDetail } from '../../api.ts';
import type { PageDef, PageProps } from '../../pages.ts';
import { useLoad } from '../../ui/load.ts';
import { ErrorNote, Loading } from '../../ui/states.tsx';
import { GenerationView } from '../generation/detail.tsx';

function RequestDetail({ params }: PageProps) {
  const g = useLoad(
    (signal) => api<GenerationDetail>(`/requests/${params.id}`, { signal }),
    [params.id],
  );
  return (
    <>
      <p>
        <a href="#/ops/requests">← Request log</a>
      </p>
      {g.state === 'error' ? (
        <ErrorNote message={g.error} retry={g.reload} />
      ) : !g.data ? (
        <Loading what="the request" />
      ) : (
        <GenerationView g={g.data} operator />
      )}
    </>
  );
}

export const page: PageDef = {
  path: '/ops/requests/:id',
  title: 'Request',
  group: 'operator',
  component: RequestDetail,
};
