import { spawn } from 'node:child_process';
import { subscribe, unsubscribe } from 'node:diagnostics_channel';
import { once } from 'node:events';
import type { ClientRequest } from 'node:http';
import { connect, type Socket } from 'node:net';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type AllowList, parseAllowList } from '../../src/fetch/address-policy.ts';
import { createGuardedFetcher, type GuardedFetcherOptions } from '../../src/fetch/guarded-fetch.ts';
import { makeImage, startServer, type TestServer, tableResolver } from './helpers.ts';

function allowList(raw: string): AllowList {
  const parsed = parseAllowList(raw);
  if (!parsed.ok) throw new Error(parsed.message);
  return parsed.allow;
}

let png: Buffer;
let main: TestServer; // 127.0.0.1
let other: TestServer; // 127.0.0.2, must never be reached by refused fetches
const started: string[] = [];
const onRequestStart = (message: unknown) => {
  const { request } = message as { request: ClientRequest };
  started.push(`${request.host}${request.path}`);
};

beforeAll(async () => {
  png = await makeImage('png', 64, 48);
  const handler: Parameters<typeof startServer>[1] = (req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    const path = url.pathname;
    if (path === '/png') {
      res.writeHead(200, { 'content-type': 'image/png' }).end(png);
    } else if (path === '/redirect') {
      res.writeHead(302, { location: url.searchParams.get('to') ?? '/' }).end();
    } else if (path.startsWith('/chain/')) {
      const left = Number(path.slice('/chain/'.length));
      if (left === 0) res.writeHead(200).end(png);
      else res.writeHead(301, { location: `/chain/${left - 1}` }).end();
    } else if (path === '/slow') {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.write(png.subarray(0, 10)); // then nothing, ever
    } else if (path === '/endless') {
      res.writeHead(200, { 'content-type': 'image/png' });
      const chunk = Buffer.alloc(16 * 1024, 1);
      const pump = () => {
        while (res.write(chunk)) {}
      };
      res.on('drain', pump);
      pump();
    } else if (path === '/declared-huge') {
      res.writeHead(200, { 'content-length': String(50 * 1024 * 1024) });
      res.write('x');
    } else if (path === '/status') {
      res.writeHead(Number(url.searchParams.get('code'))).end('nope');
    } else if (path === '/redirect-no-location') {
      res.writeHead(302).end();
    } else {
      res.writeHead(404).end();
    }
  };
  main = await startServer('127.0.0.1', handler);
  other = await startServer('127.0.0.2', handler);
  subscribe('http.client.request.start', onRequestStart);
});

afterAll(async () => {
  unsubscribe('http.client.request.start', onRequestStart);
  await main.close();
  await other.close();
});

afterEach(() => {
  started.length = 0;
});

function setup(overrides: Partial<GuardedFetcherOptions> = {}, allow = 'img.test') {
  const resolver = tableResolver({
    'img.test': ['127.0.0.1'],
    'other.test': ['127.0.0.2'],
    'private.test': ['10.0.0.1'],
    'mixed.test': ['127.0.0.1', '10.0.0.1'],
  });
  const fetcher = createGuardedFetcher({
    allow: allowList(allow),
    resolve: resolver.resolve,
    maxBytes: 1024 * 1024,
    connectTimeoutMs: 2000,
    totalTimeoutMs: 3000,
    ...overrides,
  });
  return { fetcher, calls: resolver.calls };
}

const at = (host: string, port: number, path: string) => `http://${host}:${port}${path}`;

describe('guarded fetcher', () => {
  it('fetches bytes from an allowed host, resolving it once', async () => {
    const { fetcher, calls } = setup();
    const outcome = await fetcher.fetchImageBytes(at('img.test', main.port, '/png'));
    expect(outcome).toMatchObject({ ok: true, allPublic: false });
    if (outcome.ok) expect(outcome.bytes.equals(png)).toBe(true);
    expect(calls).toEqual(['img.test']);
    expect(started).toEqual(['img.test/png']);
  });

  it('refuses loopback literals unless allowed, in any spelling', async () => {
    const { fetcher, calls } = setup();
    for (const host of ['127.0.0.1', '2130706433', '0x7f.1', '0177.0.0.1', '127.1', '[::1]']) {
      const outcome = await fetcher.fetchImageBytes(at(host, main.port, '/png'));
      expect(outcome).toMatchObject({ ok: false, reason: 'internal_address' });
    }
    expect(calls).toEqual([]);
    expect(started).toEqual([]);

    const allowed = setup({}, '127.0.0.1').fetcher;
    const outcome = await allowed.fetchImageBytes(at('2130706433', main.port, '/png'));
    expect(outcome).toMatchObject({ ok: true, finalUrl: `http://127.0.0.1:${main.port}/png` });
  });

  it('refuses a name that resolves to a private address, without dialling it', async () => {
    const { fetcher } = setup();
    const outcome = await fetcher.fetchImageBytes('http://private.test/x.png');
    expect(outcome).toMatchObject({
      ok: false,
      reason: 'internal_address',
      detail: 'private.test -> 10.0.0.1: private (RFC 1918)',
    });
    expect(outcome.ok || outcome.message).not.toContain('10.0.0.1');
    expect(started).toEqual([]);
  });

  it('refuses a name resolving to an allowed and a private address', async () => {
    const { fetcher } = setup({}, '127.0.0.0/8');
    const outcome = await fetcher.fetchImageBytes(at('mixed.test', main.port, '/png'));
    expect(outcome).toMatchObject({ ok: false, reason: 'internal_address' });
    expect(started).toEqual([]);
  });

  it('re-checks redirects and never dials a refused target', async () => {
    const { fetcher } = setup();
    const seenBefore = other.seen.length;
    for (const target of [
      at('127.0.0.2', other.port, '/loot'),
      at('other.test', other.port, '/loot'),
      at('private.test', other.port, '/loot'),
      'http://[::ffff:127.0.0.2]/loot',
    ]) {
      const url = at('img.test', main.port, `/redirect?to=${encodeURIComponent(target)}`);
      const outcome = await fetcher.fetchImageBytes(url);
      expect(outcome).toMatchObject({ ok: false, reason: 'internal_address' });
    }
    expect(other.seen.length).toBe(seenBefore);
    expect(started).toHaveLength(4);
    expect(started.every((s) => s.startsWith('img.test/redirect'))).toBe(true);
  });

  it('follows relative redirects up to three, and no more', async () => {
    const { fetcher, calls } = setup();
    const three = await fetcher.fetchImageBytes(at('img.test', main.port, '/chain/3'));
    expect(three).toMatchObject({ ok: true, finalUrl: at('img.test', main.port, '/chain/0') });
    expect(calls).toEqual(['img.test']);
    const four = await fetcher.fetchImageBytes(at('img.test', main.port, '/chain/4'));
    expect(four).toMatchObject({ ok: false, reason: 'too_many_redirects' });
    const none = setup({ maxRedirects: 0 }).fetcher;
    expect(await none.fetchImageBytes(at('img.test', main.port, '/chain/1'))).toMatchObject({
      reason: 'too_many_redirects',
    });
  });

  it.each([
    ['user:pass@img.test', 'credentials'],
    ['user@img.test', 'credentials'],
    [':pass@img.test', 'credentials'],
  ])('refuses credentials in %s', async (authority, phrase) => {
    const { fetcher, calls } = setup();
    const outcome = await fetcher.fetchImageBytes(`http://${authority}:${main.port}/png`);
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid_url' });
    if (!outcome.ok) expect(outcome.message).toContain(phrase);
    expect(calls).toEqual([]);
    expect(started).toEqual([]);
  });

  it('refuses credentials introduced by a redirect', async () => {
    const { fetcher } = setup();
    const to = encodeURIComponent(at('u:p@img.test', main.port, '/png'));
    const outcome = await fetcher.fetchImageBytes(at('img.test', main.port, `/redirect?to=${to}`));
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid_url' });
  });

  it.each([
    'file:///etc/passwd',
    'ftp://img.test/x.png',
    'gopher://img.test:70/_x',
    'javascript:alert(1)',
    'ws://img.test/x',
    'not a url',
    '/relative/path.png',
  ])('refuses %s', async (url) => {
    const { fetcher, calls } = setup();
    expect(await fetcher.fetchImageBytes(url)).toMatchObject({ ok: false, reason: 'invalid_url' });
    expect(calls).toEqual([]);
  });

  it('refuses a redirect to another scheme', async () => {
    const { fetcher } = setup();
    const to = encodeURIComponent('file:///etc/passwd');
    const outcome = await fetcher.fetchImageBytes(at('img.test', main.port, `/redirect?to=${to}`));
    expect(outcome).toMatchObject({ ok: false, reason: 'invalid_url' });
  });

  it('times out a body that stalls', async () => {
    const { fetcher } = setup({ totalTimeoutMs: 300 });
    const t0 = performance.now();
    const outcome = await fetcher.fetchImageBytes(at('img.test', main.port, '/slow'));
    expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('times out a connection that is never established', async () => {
    // A stopped process whose accept queue is full: the kernel drops further SYNs, so connecting
    // hangs, which no in-process server can arrange.
    const child = spawn(
      process.execPath,
      [
        '-e',
        "const s = require('node:net').createServer(); s.listen({ port: 0, host: '127.0.0.1', backlog: 1 }, () => console.log(s.address().port));",
      ],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    const fillers: Socket[] = [];
    try {
      const [line] = (await once(child.stdout, 'data')) as [Buffer];
      const port = Number(line.toString().trim());
      process.kill(child.pid ?? 0, 'SIGSTOP');
      for (let i = 0; i < 4; i++) fillers.push(connect(port, '127.0.0.1').on('error', () => {}));
      await new Promise((r) => setTimeout(r, 100));
      const { fetcher } = setup({ connectTimeoutMs: 200, totalTimeoutMs: 5000 }, '127.0.0.1');
      const t0 = performance.now();
      const outcome = await fetcher.fetchImageBytes(at('127.0.0.1', port, '/png'));
      expect(outcome).toMatchObject({ ok: false, reason: 'timeout' });
      if (!outcome.ok) expect(outcome.message).toContain('connecting');
      expect(performance.now() - t0).toBeLessThan(2000);
    } finally {
      for (const f of fillers) f.destroy();
      child.kill('SIGKILL');
    }
  });

  it('times out a resolver that never answers', async () => {
    const fetcher = createGuardedFetcher({
      allow: allowList(''),
      resolve: () => new Promise(() => {}),
      maxBytes: 1024,
      connectTimeoutMs: 100,
      totalTimeoutMs: 200,
    });
    expect(await fetcher.fetchImageBytes('http://hang.test/x')).toMatchObject({
      reason: 'timeout',
    });
  });

  it('stops reading an endless body at the byte cap', async () => {
    const { fetcher } = setup({ maxBytes: 64 * 1024 });
    const t0 = performance.now();
    const outcome = await fetcher.fetchImageBytes(at('img.test', main.port, '/endless'));
    expect(outcome).toMatchObject({ ok: false, reason: 'too_large' });
    expect(performance.now() - t0).toBeLessThan(2000);
  });

  it('refuses a declared Content-Length over the cap before reading the body', async () => {
    const { fetcher } = setup();
    const outcome = await fetcher.fetchImageBytes(at('img.test', main.port, '/declared-huge'));
    expect(outcome).toMatchObject({ ok: false, reason: 'too_large' });
  });

  it.each([
    [404, 'not_found'],
    [410, 'not_found'],
    [403, 'not_found'],
    [500, 'unreachable'],
    [503, 'unreachable'],
  ])('maps HTTP %i to %s', async (code, reason) => {
    const { fetcher } = setup();
    const outcome = await fetcher.fetchImageBytes(
      at('img.test', main.port, `/status?code=${code}`),
    );
    expect(outcome).toMatchObject({ ok: false, reason, status: code });
  });

  it('treats a redirect without Location as not found', async () => {
    const { fetcher } = setup();
    const outcome = await fetcher.fetchImageBytes(
      at('img.test', main.port, '/redirect-no-location'),
    );
    expect(outcome).toMatchObject({ ok: false, reason: 'not_found', status: 302 });
  });

  it('reports unknown names and refused connections as unreachable', async () => {
    const { fetcher } = setup({}, 'img.test,127.0.0.0/8');
    expect(await fetcher.fetchImageBytes('http://nowhere.test/x')).toMatchObject({
      reason: 'unreachable',
    });
    // Port 1 on 127.0.0.3: nothing listens there.
    expect(await fetcher.fetchImageBytes('http://127.0.0.3:1/x')).toMatchObject({
      reason: 'unreachable',
    });
  });

  it('stops when the caller aborts', async () => {
    const { fetcher } = setup();
    const controller = new AbortController();
    const pending = fetcher.fetchImageBytes(at('img.test', main.port, '/slow'), controller.signal);
    setTimeout(() => controller.abort(), 50);
    expect(await pending).toMatchObject({ ok: false, reason: 'aborted' });
    const already = AbortSignal.abort();
    expect(await fetcher.fetchImageBytes(at('img.test', main.port, '/png'), already)).toMatchObject(
      { reason: 'aborted' },
    );
  });

  it('connects only to the address it checked (no second lookup can rebind)', async () => {
    let calls = 0;
    const fetcher = createGuardedFetcher({
      // By address, not by name: a name allowance would let the rebound answer through.
      allow: allowList('127.0.0.2'),
      resolve: async (host) => {
        expect(host).toBe('rebind.test');
        calls += 1;
        return calls === 1 ? ['127.0.0.2'] : ['10.0.0.1'];
      },
      maxBytes: 1024 * 1024,
      connectTimeoutMs: 2000,
      totalTimeoutMs: 3000,
    });
    const seenBefore = other.seen.length;
    // Two hops on the same host: the redirect must reuse the first, checked answer.
    const to = encodeURIComponent('/png?again');
    const first = await fetcher.fetchImageBytes(
      at('rebind.test', other.port, `/redirect?to=${to}`),
    );
    expect(first).toMatchObject({ ok: true });
    expect(calls).toBe(1);
    expect(other.seen.slice(seenBefore)).toEqual(['/redirect?to=%2Fpng%3Fagain', '/png?again']);
    // The Host header keeps the name although the socket went to the pinned address.
    expect(other.hosts.at(-1)).toBe(`rebind.test:${other.port}`);

    // A new fetch resolves afresh: now the name points at 10.0.0.1 and is refused undialled.
    const second = await fetcher.fetchImageBytes(at('rebind.test', other.port, '/png'));
    expect(calls).toBe(2);
    expect(second).toMatchObject({ ok: false, reason: 'internal_address' });
    expect(other.seen.length).toBe(seenBefore + 2);
  });
});
