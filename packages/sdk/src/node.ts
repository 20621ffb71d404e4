/**
 * Node-only helpers (they use `node:fs`). Import from `@goodtake/sdk/node`; the main entry
 * stays browser-safe.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import type { GoodTake, RequestOptions } from './client.ts';
import { type ImageSource, toBytes } from './resources/images.ts';

/** Options of `saveImage`. */
export interface SaveImageOptions extends RequestOptions {
  /** Used to download images that have no inline `base64`. */
  client?: GoodTake | undefined;
  /** Replace an existing file. Defaults to false: an existing file is an `EEXIST` error. */
  overwrite?: boolean | undefined;
}

/**
 * Writes an image to `path` (creating its directory), from its inline base64 when present,
 * else downloaded from its URL. Returns the number of bytes written.
 *
 * @example
 * ```ts
 * import { saveImage } from '@goodtake/sdk/node';
 *
 * const { images } = await client.images.generate({ prompt: 'A red kite' });
 * await saveImage(images[0]!, 'kite.jpg');
 * ```
 */
export async function saveImage(
  image: ImageSource & { bytes?: (options?: RequestOptions) => Promise<Uint8Array> },
  path: string,
  options: SaveImageOptions = {},
): Promise<number> {
  const { client, overwrite = false, ...requestOptions } = options;
  const bytes =
    typeof image.bytes === 'function' && !client
      ? await image.bytes(requestOptions)
      : await toBytes(image, client, requestOptions);
  await mkdir(dirname(path), { recursive: true });
  await writeFile(path, bytes, { flag: overwrite ? 'w' : 'wx' });
  return bytes.byteLength;
}
