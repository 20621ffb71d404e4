import { useState } from 'preact/hooks';
import { type ApiKey, api, messageOf } from '../../api.ts';
import type { PageDef } from '../../pages.ts';
import { useLoad } from '../../ui/load.ts';
import { FormNote, ListStates } from '../../ui/states.tsx';
import { KeyRows } from '../keys/page.tsx';

function AllKeys() {
  const keys = useLoad(
    (signal) => api<{ keys: ApiKey[] }>('/keys?limit=500', { signal }).then((r) => r.keys),
    [],
  );
  const [error, setError] = useState<string | undefined>();
  return (
    <>
      <FormNote error={error} />
      <ListStates loaded={keys} what="keys" empty="No keys yet.">
        {(list: ApiKey[]) => (
          <KeyRows
            keys={list}
            showAccount
            onRevoke={async (k) => {
              try {
                await api(`/accounts/${k.account_id}/keys/${k.id}`, { method: 'DELETE' });
              } catch (err) {
                setError(messageOf(err));
              }
              keys.reload();
            }}
          />
        )}
      </ListStates>
    </>
  );
}

export const page: PageDef = {
  path: '/ops/keys',
  title: 'All keys',
  group: 'operator',
  nav: 3,
  component: AllKeys,
};
