import { readdirSync, readFileSync } from 'node:fs';
import { extname, join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { Hono } from 'hono';
import type { AppEnv } from '../../http/context.ts';
import { ApiError } from '../../http/errors.ts';

const TYPES: Readonly<Record<string, string>> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.ico': 'image/x-icon',
  '.woff2': 'font/woff2',
};

/** Where `npm install` (the prepare script) puts the built console. */
export const CONSOLE_DIST = new URL('../../../console/dist/', import.meta.url);

/** Everything the page may load: its own files, and images from the image host. */
function contentSecurityPolicy(publicBaseUrl: string | undefined): string {
  const images = [
    "'self'",
    'data:',
    'blob:',
    ...(publicBaseUrl ? [new URL(publicBaseUrl).origin] : []),
  ];
  return [
    "default-src 'self'",
    `img-src ${images.join(' ')}`,
    "style-src 'self'",
    "script-src 'self'",
    "connect-src 'self'",
    "frame-ancestors 'none'",
    "base-uri 'none'",
    "form-action 'self'",
  ].join('; ');
}

/**
 * The console's built files, served by the server itself (no CDN): the page at /console/, its
 * content-hashed assets at /console/assets/{file} (cached for good, gzipped for browsers that
 * take it), and / leading to it. The files are read and compressed once, at start-up.
 */
export function registerConsolePages(
  app: Hono<AppEnv>,
  deps: { publicBaseUrl: string | undefined; dist?: URL },
): void {
  const dist = deps.dist ?? CONSOLE_DIST;
  const assets = new Map<string, { type: string; bytes: Buffer; gzip: Buffer }>();
  let index: Buffer | undefined;
  try {
    index = readFileSync(new URL('index.html', dist));
    for (const name of readdirSync(new URL('assets/', dist))) {
      const type = TYPES[extname(name)];
      if (!type) continue;
      const bytes = readFileSync(join(new URL('assets/', dist).pathname, name));
      // Compressed once here, so no request pays for it.
      assets.set(name, { type, bytes, gzip: gzipSync(bytes, { level: 9 }) });
    }
  } catch {
    index = undefined;
  }
  const pageHeaders = {
    'Content-Type': 'text/html; charset=utf-8',
    'Cache-Control': 'no-cache',
    'Content-Security-Policy': contentSecurityPolicy(deps.publicBaseUrl),
    'X-Content-Type-Options': 'nosniff',
    'X-Frame-Options': 'DENY',
    'Referrer-Policy': 'no-referrer',
  };

  app.get('/', (c) => c.redirect('/console/', 302));
  app.get('/console', (c) => c.redirect('/console/', 301));
  app.get('/console/', (c) => {
    if (!index) {
      throw new ApiError(
        'not_found',
        'The console has not been built: run `npm install` (its prepare step builds console/dist)',
      );
    }
    return c.body(new Uint8Array(index), 200, pageHeaders);
  });
  app.get('/console/assets/:file', (c) => {
    const asset = assets.get(c.req.param('file'));
    if (!asset) throw new ApiError('not_found', 'No such file');
    const gzip = /\bgzip\b/.test(c.req.header('accept-encoding') ?? '');
    return c.body(new Uint8Array(gzip ? asset.gzip : asset.bytes), 200, {
      'Content-Type': asset.type,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
      Vary: 'Accept-Encoding',
      ...(gzip ? { 'Content-Encoding': 'gzip' } : {}),
    });
  });
}
