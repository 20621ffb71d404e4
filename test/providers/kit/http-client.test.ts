import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { downloadImage } from '../../../src/providers/kit/download.ts';
import { createUndiciClient } from '../../../src/providers/kit/http-client.ts';

const JPEG_HEAD = Buffer.from([0xff, 0xd8, 0xff, 0xe0]);
const servers: Server[] = [];

async function serve(handler: Parameters<typeof createServer>[1]): Promise<string> {
  const server = createServer(handler);
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return `http://127.0.0.1:${(server.address() as AddressInfo).port}/img.jpg`;
}

afterEach(async () => {
  for (const s of servers.splice(0)) {
    s.closeAllConnections();
    await new Promise((resolve) => s.close(resolve));
  }
});

const ctx = (maxBytes = 1_000_000) => ({
  http: createUndiciClient(),
  timeoutMs: 2000,
  maxBytes,
  signal: new AbortController().signal,
});

describe('downloads through the undici client', () => {
  it('returns exactly the declared bytes', async () => {
    const body = Buffer.concat([JPEG_HEAD, Buffer.alloc(200_000, 7)]);
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': body.byteLength });
      // In several writes, so the body arrives in more than one chunk.
      for (let at = 0; at < body.byteLength; at += 16_384)
        res.write(body.subarray(at, at + 16_384));
      res.end();
    });
    const result = await downloadImage(url, ctx());
    if (!result.ok) throw new Error(result.detail);
    expect(Buffer.from(result.bytes)).toEqual(body);
  });

  it('follows redirects of a download (signed URLs may be served from elsewhere)', async () => {
    const body = Buffer.concat([JPEG_HEAD, Buffer.alloc(1000, 3)]);
    const url = await serve((req, res) => {
      if (req.url === '/img.jpg') {
        res.writeHead(302, { location: '/moved/img.jpg' });
        res.end();
        return;
      }
      res.writeHead(200, { 'content-length': body.byteLength });
      res.end(body);
    });
    const result = await downloadImage(url, ctx());
    if (!result.ok) throw new Error(result.detail);
    expect(Buffer.from(result.bytes)).toEqual(body);
  });

  it('refuses a body cut short of its declared length (retryable)', async () => {
    const url = await serve((req, res) => {
      res.writeHead(200, { 'content-length': 1000 });
      res.write(Buffer.concat([JPEG_HEAD, Buffer.alloc(100)]));
      setTimeout(() => req.socket.destroy(), 20);
    });
    const result = await downloadImage(url, ctx());
    expect(result).toMatchObject({ ok: false, retryable: true });
  });

  it('stops a chunked body at the cap', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200);
      for (let i = 0; i < 20; i++) res.write(Buffer.alloc(10_000, 1));
      res.end();
    });
    const result = await downloadImage(url, ctx(50_000));
    expect(result).toMatchObject({ ok: false, retryable: false });
    expect(result.ok || result.detail).toMatch(/50000-byte cap/);
  });

  it('refuses a declared length over the cap before reading the body', async () => {
    const url = await serve((_req, res) => {
      res.writeHead(200, { 'content-length': 80_000 });
      res.end(Buffer.alloc(80_000));
    });
    const result = await downloadImage(url, ctx(50_000));
    expect(result.ok || result.detail).toBe('declared 80000 bytes, over the 50000-byte cap');
  });

  it('joins repeated headers', async () => {
    const url = await serve((_req, res) => {
      res.setHeader('x-many', ['a', 'b']);
      res.end('ok');
    });
    const response = await createUndiciClient().send(url, {
      method: 'GET',
      signal: new AbortController().signal,
    });
    expect(response.header('x-many')).toBe('a, b');
    expect(await response.text()).toBe('ok');
  });
});
