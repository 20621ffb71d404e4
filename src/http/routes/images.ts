import type { Hono } from 'hono';
import type { ImageRecords, StoredImage } from '../../images/image-records.ts';
import type { ImageStore } from '../../storage/store.ts';
import type { AppEnv } from '../context.ts';
import { ApiError } from '../errors.ts';

const IMAGE_FILE = /^([A-Za-z0-9]{24})\.(jpg|png|webp)$/;

/** The permanent URL of a stored image. */
export function imageUrl(baseUrl: string, image: Pick<StoredImage, 'id' | 'ext'>): string {
  return `${baseUrl}/images/${image.id}.${image.ext}`;
}

function etagMatches(header: string | undefined, etag: string): boolean {
  if (!header) return false;
  return header.split(',').some((t) => t.trim() === etag || t.trim() === '*');
}

/** `GET /images/<id>.<ext>`: the stored bytes, immutable, with a strong ETag. */
export function registerImages(
  app: Hono<AppEnv>,
  deps: { records: ImageRecords; store: ImageStore },
): void {
  app.get('/images/:file', async (c) => {
    const match = IMAGE_FILE.exec(c.req.param('file'));
    const record = match ? await deps.records.find(match[1]!) : undefined;
    if (!record || record.ext !== match?.[2]) throw new ApiError('not_found', 'No such image');
    const headers = {
      ETag: record.etag,
      'Cache-Control': 'public, max-age=31536000, immutable',
      'X-Content-Type-Options': 'nosniff',
    };
    if (etagMatches(c.req.header('if-none-match'), record.etag)) {
      return c.body(null, 304, headers);
    }
    const stream = await deps.store.open(record.storageKey);
    if (!stream) throw new ApiError('not_found', 'No such image');
    return c.body(stream, 200, {
      ...headers,
      'Content-Type': record.contentType,
      'Content-Length': String(record.bytes),
    });
  });
}
