/**
 * An alternative to goodtake's local store for the lean prototype (`--write sync`), to measure
 * what the file costs written another way: the 3,844 two-character shard directories are made
 * once at start, and each image is one synchronous `writeFileSync` (open, write, close without
 * three trips through the thread pool and their promises). A 50 KB write to the page cache
 * holds the event loop for tens of microseconds; large images would hold it longer.
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

const BASE62 = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz';

export function createSyncStore(root: string) {
  for (const a of BASE62) for (const b of BASE62) mkdirSync(join(root, a + b), { recursive: true });
  return {
    async put(key: string, bytes: Uint8Array, _contentType: string): Promise<void> {
      writeFileSync(join(root, key.slice(0, 2), key), bytes, { flag: 'wx' });
    },
  };
}
