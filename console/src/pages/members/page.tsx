import { useState } from 'preact/hooks';
import { api, type LinkDelivery, type User } from '../../api.ts';
import type { PageDef } from '../../pages.ts';
import { useLoad } from '../../ui/load.ts';
import { InviteForm, LinkNote, PeopleTable } from './people.tsx';

function Members() {
  const people = useLoad(
    (signal) => api<{ users: User[] }>('/users', { signal }).then((r) => r.users),
    [],
  );
  const [link, setLink] = useState<(LinkDelivery & { email: string }) | undefined>();
  return (
    <>
      <InviteForm
        onInvited={(l) => {
          setLink(l);
          people.reload();
        }}
      />
      {link ? <LinkNote delivery={link} /> : null}
      <PeopleTable
        loaded={people}
        showAccount
        onChanged={(l) => (l ? setLink(l) : people.reload())}
      />
    </>
  );
}

export const page: PageDef = {
  path: '/ops/members',
  title: 'People',
  group: 'operator',
  nav: 2,
  component: Members,
};
