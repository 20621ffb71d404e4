import type { ComponentChildren } from 'preact';
import { useEffect, useRef, useState } from 'preact/hooks';
import type { Who } from './api.ts';
import { match, type PageDef } from './pages.ts';

/** The frame of every signed-in page: a skip link, navigation by group, the page's heading. */
export function Shell(props: {
  who: Who;
  pages: PageDef[];
  path: string;
  accountId: string | undefined;
  title: string;
  onSignOut: () => void;
  children: ComponentChildren;
}) {
  const [menuOpen, setMenuOpen] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    setMenuOpen(false);
    heading.current?.focus();
  }, [props.path]);
  const nav = (group: PageDef['group']) =>
    props.pages
      .filter((p) => p.group === group && p.nav !== undefined)
      .sort((a, b) => a.nav! - b.nav!);
  const link = (p: PageDef) => {
    const current = match(p.path, props.path) !== undefined || props.path.startsWith(`${p.path}/`);
    return (
      <li key={p.path}>
        <a href={`#${p.path}`} aria-current={current ? 'page' : undefined}>
          {p.title}
        </a>
      </li>
    );
  };
  const operator = props.who.role === 'operator';
  return (
    <div class="layout">
      <button type="button" class="skip" onClick={() => heading.current?.focus()}>
        Skip to content
      </button>
      <header class="topbar">
        <span class="brand">goodtake</span>
        <button
          type="button"
          class="menu-toggle secondary"
          aria-expanded={menuOpen}
          aria-controls="side-nav"
          onClick={() => setMenuOpen((o) => !o)}
        >
          Menu
        </button>
        <span class="who">
          {props.who.email} ({props.who.role})
        </span>
        <button type="button" class="secondary" onClick={props.onSignOut}>
          Sign out
        </button>
      </header>
      <nav id="side-nav" class={menuOpen ? 'side open' : 'side'} aria-label="Console">
        {operator ? (
          <>
            <h2 class="nav-heading">Operator</h2>
            <ul>{nav('operator').map(link)}</ul>
          </>
        ) : null}
        <h2 class="nav-heading">
          {operator
            ? props.accountId
              ? `Account ${props.accountId.slice(0, 12)}…`
              : 'Account'
            : 'Your account'}
        </h2>
        <ul>{nav('account').map(link)}</ul>
      </nav>
      <main id="main">
        <h1 tabIndex={-1} ref={heading}>
          {props.title}
        </h1>
        {props.children}
      </main>
    </div>
  );
}
