import { createReadStream, mkdirSync, writeFileSync } from 'node:fs';
import { mkdir, rename, rm, stat, writeFile } from 'node:fs/promises';
import { dirname, join } from 'node:path';
import { Readable } from 'node:stream';
import { randomBase62 } from '../ids.ts';
import type { ImageStore } from './store.ts';

const SAFE_KEY = /^[A-Za-z0-9][A-Za-z0-9._/-]*$/;

/**
 * Files up to this size are written with one synchronous call: into the page cache that takes
 * a few tens of microseconds, less than the three thread-pool round trips (open, write, close)
 * of an asynchronous write cost the event loop (bench scenario 1). Larger files are written
 * asynchronously so that no request waits behind another's megabytes.
 */
const SYNC_WRITE_BYTES = 256 * 1024;

/**
 * Files under `<root>/<first two chars>/<key>`. Image keys are fresh random ids, and an image
 * is read only once its row is recorded, which happens after `put` has finished; so a new key
 * is written in place (`wx`), one filesystem operation less per image than a temporary file
 * renamed into place. A key that already exists (an import run again) is replaced atomically
 * through a temporary file and a rename, so a reader sees the old bytes or the new, never a mix.
 * A crash mid-write leaves a file no row points at, which is never served.
 */
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
      // At most a few thousand directories (two-character prefixes): each is created once per
      // process, and again only if it disappeared underneath us. Synchronously: the promise
      // form of a recursive mkdir cost ~0.6 ms of the event loop's time each (bench profile).
      if (!created.has(dir)) {
        mkdirSync(dir, { recursive: true });
        created.add(dir);
      }
      try {
        if (bytes.byteLength <= SYNC_WRITE_BYTES) writeFileSync(path, bytes, { flag: 'wx' });
        else await writeFile(path, bytes, { flag: 'wx' });
      } catch (err) {
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'EEXIST') {
          const tmp = `${path}.${randomBase62(8)}.tmp`;
          await writeFile(tmp, bytes);
          await rename(tmp, path);
          return;
        }
        if (code !== 'ENOENT') throw err;
        await mkdir(dir, { recursive: true });
        await writeFile(path, bytes, { flag: 'wx' });
      }
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
