import type { ComponentType } from 'preact';
import type { Who } from './api.ts';

/** What every page gets. */
export interface PageProps {
  readonly who: Who;
  /** The account the account pages show: a member's own, or the one an operator opened. */
  readonly accountId: string | undefined;
  readonly params: Readonly<Record<string, string>>;
  openAccount(id: string): void;
  navigate(path: string): void;
}

/**
 * A console page. Each lives in its own folder under pages/ as `page.tsx` exporting `page`;
 * the app finds them all (import.meta.glob), so adding a page is adding a folder.
 */
export interface PageDef {
  /** Hash path, with `:name` parameters: `/keys`, `/ops/requests/:id`. */
  readonly path: string;
  readonly title: string;
  /** `account`: a member's pages (operators see them for the account they opened). */
  readonly group: 'account' | 'operator';
  /** Position in the navigation; pages without one are reached by links only. */
  readonly nav?: number;
  readonly component: ComponentType<PageProps>;
}

/** The params of `path` if it matches `pattern`. */
export function match(pattern: string, path: string): Record<string, string> | undefined {
  const p = pattern.split('/');
  const s = path.split('/');
  if (p.length !== s.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < p.length; i++) {
    const part = p[i]!;
    if (part.startsWith(':')) params[part.slice(1)] = decodeURIComponent(s[i]!);
    else if (part !== s[i]) return undefined;
  }
  return params;
}
