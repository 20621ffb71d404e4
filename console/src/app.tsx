import { useCallback, useEffect, useMemo, useState } from 'preact/hooks';
import { api, setCsrfToken, type Who, whenSignedOut } from './api.ts';
import { match, type PageDef } from './pages.ts';
import { SetPassword } from './public/set-password.tsx';
import { SignIn } from './public/sign-in.tsx';
import { Shell } from './shell.tsx';
import { ErrorNote, Loading } from './ui/states.tsx';

const modules = import.meta.glob<{ page: PageDef }>('./pages/*/page.tsx', { eager: true });
const PAGES: PageDef[] = Object.values(modules).map((m) => m.page);

const currentPath = () => location.hash.replace(/^#/, '') || '/';

interface Session {
  who: Who | null;
  csrf_token: string;
}

export function App() {
  const [path, setPath] = useState(currentPath);
  const [session, setSession] = useState<Session | undefined>();
  const [failed, setFailed] = useState<string | undefined>();
  const [openedAccount, setOpenedAccount] = useState<string | undefined>(
    () => sessionStorage.getItem('goodtake.account') ?? undefined,
  );

  const loadSession = useCallback(async () => {
    try {
      const s = await api<{ user: Who | null; csrf_token: string }>('/session');
      setCsrfToken(s.csrf_token);
      setSession({ who: s.user, csrf_token: s.csrf_token });
      setFailed(undefined);
    } catch {
      setFailed('The console could not reach the server.');
    }
  }, []);

  useEffect(() => {
    const onHash = () => setPath(currentPath());
    window.addEventListener('hashchange', onHash);
    whenSignedOut(() => void loadSession());
    void loadSession();
    return () => window.removeEventListener('hashchange', onHash);
  }, [loadSession]);

  const navigate = useCallback((to: string) => {
    location.hash = to;
  }, []);

  const who = session?.who ?? null;
  const accountId = who?.role === 'member' ? (who.account_id ?? undefined) : openedAccount;
  const openAccount = useCallback(
    (id: string) => {
      sessionStorage.setItem('goodtake.account', id);
      setOpenedAccount(id);
      navigate('/overview');
    },
    [navigate],
  );

  const visible = useMemo(
    () => PAGES.filter((p) => p.group === 'account' || who?.role === 'operator'),
    [who],
  );

  useEffect(() => {
    const found = visible.find((p) => match(p.path, path));
    document.title = found ? `${found.title} · goodtake` : 'goodtake console';
  }, [path, visible]);

  if (failed) return <ErrorNote message={failed} retry={loadSession} />;
  if (!session) return <Loading what="the console" />;

  const setPassword = match('/set-password/:token', path);
  if (setPassword) return <SetPassword token={setPassword.token!} navigate={navigate} />;
  if (!who) {
    return (
      <SignIn
        onSignedIn={(s) => {
          setCsrfToken(s.csrf_token);
          setSession({ who: s.user, csrf_token: s.csrf_token });
          if (path === '/' || path === '/sign-in')
            navigate(s.user.role === 'operator' ? '/ops/accounts' : '/overview');
        }}
      />
    );
  }

  let page: PageDef | undefined;
  let params: Record<string, string> = {};
  for (const p of visible) {
    const m = match(p.path, path);
    if (m) {
      page = p;
      params = m;
      break;
    }
  }
  if (!page && (path === '/' || path === '/sign-in')) {
    page = visible.find(
      (p) => p.path === (who.role === 'operator' ? '/ops/accounts' : '/overview'),
    );
  }
  const signOut = async () => {
    await api('/session', { method: 'DELETE' }).catch(() => {});
    sessionStorage.removeItem('goodtake.account');
    setOpenedAccount(undefined);
    navigate('/sign-in');
    await loadSession();
  };
  const Page = page?.component;
  return (
    <Shell
      who={who}
      pages={visible}
      path={path}
      accountId={accountId}
      onSignOut={signOut}
      title={page?.title ?? 'Not found'}
    >
      {Page ? (
        page?.group === 'account' && !accountId ? (
          <p class="state empty">
            Open an account on the <a href="#/ops/accounts">Accounts</a> page to see its{' '}
            {page.title.toLowerCase()}.
          </p>
        ) : (
          <Page
            who={who}
            accountId={accountId}
            params={params}
            openAccount={openAccount}
            navigate={navigate}
          />
        )
      ) : (
        <p class="state empty">
          There is no page here. <a href="#/">Go to the start</a>.
        </p>
      )}
    </Shell>
  );
}
