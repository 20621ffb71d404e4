import { createReadStream } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBase62 } from '../ids.ts';
import type { ImageStore } from './store.ts';

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/** Files under `<root>/<first two chars>/<key>`, written to a temp file and renamed into place. */
export function createLocalStore(root: string): ImageStore {
  const pathOf = (key: string) => {
    if (!SAFE_KEY.test(key) || key.includes('..')) throw new Error(`unsafe storage key ${key}`);
    // Images spread over 2-character directories; other prefixes ("inputs/...") keep their path.
    return key.includes('/') ? join(root, key) : join(root, key.slice(0, 2), key);
  };
  const created = new Set<string>();
  return {
    kind: 'local',
    async put(key, bytes) {
      const path = pathOf(key);
      const dir = dirname(path);
      const tmp = `${path}.${randomBase62(8)}.tmp`;
      // At most a few thousand directories (two-character prefixes): each is created once per
      // process, and again only if it disappeared underneath us.
      if (!created.has(dir)) {
        await mkdir(dir, { recursive: true });
        created.add(dir);
      }
      try {
        await writeFile(tmp, bytes);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
        await mkdir(dir, { recursive: true });
        await writeFile(tmp, bytes);
      }
      await rename(tmp, path);
    },
    async open(key) {
      const path = pathOf(key);
      try {
        await stat(path);
      } catch {
        return undefined;
      }
      return Readable.toWeb(createReadStream(path)) as ReadableStream<Uint8Array>;
    },
    async delete(key) {
      await rm(pathOf(key), { force: true });
    },
  };
}
