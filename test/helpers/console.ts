import { createUserService } from '../../src/console/users/users.ts';
import type { TestApp } from './harness.ts';

/** A browser-like client of the console API: keeps cookies, sends the CSRF token on changes. */
export class ConsoleClient {
  readonly cookies = new Map<string, string>();
  csrf: string | undefined;
  /** The Set-Cookie lines of the last response. */
  lastSetCookie: string[] = [];

  private readonly send: (path: string, init?: RequestInit) => Promise<Response>;
  private readonly extraHeaders: Record<string, string>;

  constructor(
    send: (path: string, init?: RequestInit) => Promise<Response>,
    extraHeaders: Record<string, string> = {},
  ) {
    this.send = send;
    this.extraHeaders = extraHeaders;
  }

  async request(
    path: string,
    init: {
      method?: string;
      body?: unknown;
      csrf?: boolean;
      headers?: Record<string, string>;
    } = {},
  ): Promise<Response> {
    const method = init.method ?? 'GET';
    const headers: Record<string, string> = { ...this.extraHeaders, ...init.headers };
    if (this.cookies.size > 0) {
      headers.Cookie = [...this.cookies].map(([k, v]) => `${k}=${v}`).join('; ');
    }
    if (method !== 'GET' && init.csrf !== false && this.csrf) headers['X-CSRF-Token'] = this.csrf;
    if (init.body !== undefined) headers['Content-Type'] = 'application/json';
    const res = await this.send(path, {
      method,
      headers,
      ...(init.body !== undefined ? { body: JSON.stringify(init.body) } : {}),
    });
    this.lastSetCookie = res.headers.getSetCookie();
    for (const line of this.lastSetCookie) {
      const [pair, ...attributes] = line.split(';');
      const [name, ...value] = pair!.split('=');
      const expired = attributes.some((a) => /max-age=0/i.test(a.trim()));
      if (expired) this.cookies.delete(name!.trim());
      else this.cookies.set(name!.trim(), value.join('='));
    }
    return res;
  }

  async json<T = Record<string, unknown>>(
    path: string,
    init: Parameters<ConsoleClient['request']>[1] = {},
  ): Promise<{ status: number; data: T; body: Record<string, unknown> }> {
    const res = await this.request(path, init);
    const body = (await res.json()) as Record<string, unknown>;
    return { status: res.status, data: body.data as T, body };
  }

  /** Reads the CSRF token (and the pre-sign-in cookie), then signs in. */
  async signIn(email: string, password: string): Promise<Response> {
    const who = await this.json<{ csrf_token: string }>('/console/api/session');
    this.csrf = who.data.csrf_token;
    const res = await this.request('/console/api/session', {
      method: 'POST',
      body: { email, password },
    });
    if (res.status === 200) {
      const body = (await res.clone().json()) as { data: { csrf_token: string } };
      this.csrf = body.data.csrf_token;
    }
    return res;
  }
}

export const OPERATOR = { email: 'ops@example.com', password: 'operator password 1' };

/** Creates the first operator the way the CLI does, with a password. */
export async function createOperator(t: TestApp, who = OPERATOR): Promise<void> {
  const users = createUserService({ db: t.application.core.database.db });
  const created = await users.create({
    email: who.email,
    role: 'operator',
    password: who.password,
  });
  if (!created.ok) throw new Error(created.reason);
}

/** The token at the end of a one-time link. */
export function linkToken(link: string): string {
  const token = /#\/set-password\/([A-Za-z0-9_-]{43})$/.exec(link)?.[1];
  if (!token) throw new Error(`not a set-password link: ${link}`);
  return token;
}
