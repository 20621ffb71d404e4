import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createLocalStore } from '../../src/storage/local-store.ts';

let root: string;
beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'goodtake-store-'));
});
afterEach(() => {
  rmSync(root, { recursive: true, force: true });
});

const read = async (stream: ReadableStream<Uint8Array> | undefined) =>
  Buffer.from(await new Response(stream).arrayBuffer());

describe('local image store', () => {
  it('writes a new key into its shard directory and reads it back', async () => {
    const store = createLocalStore(root);
    await store.put('Ab123.jpg', Buffer.from('first'), 'image/jpeg');
    expect(readFileSync(join(root, 'Ab', 'Ab123.jpg'), 'utf8')).toBe('first');
    expect((await read(await store.open('Ab123.jpg'))).toString()).toBe('first');
    expect(await store.open('Zz999.jpg')).toBeUndefined();
  });

  it('replaces an existing key whole (an import run twice), leaving no temporary file', async () => {
    const store = createLocalStore(root);
    await store.put('Ab123.jpg', Buffer.from('first version'), 'image/jpeg');
    await store.put('Ab123.jpg', Buffer.from('second'), 'image/jpeg');
    expect(readFileSync(join(root, 'Ab', 'Ab123.jpg'), 'utf8')).toBe('second');
    expect(readdirSync(join(root, 'Ab'))).toEqual(['Ab123.jpg']);
  });

  it('recreates a shard directory removed underneath it', async () => {
    const store = createLocalStore(root);
    await store.put('Cd1.jpg', Buffer.from('a'), 'image/jpeg');
    rmSync(join(root, 'Cd'), { recursive: true });
    await store.put('Cd2.jpg', Buffer.from('b'), 'image/jpeg');
    expect(readFileSync(join(root, 'Cd', 'Cd2.jpg'), 'utf8')).toBe('b');
  });

  it('refuses keys that could leave the root', async () => {
    const store = createLocalStore(root);
    await expect(store.put('../x.jpg', Buffer.from('a'), 'image/jpeg')).rejects.toThrow(/unsafe/);
    await expect(store.put('/etc/x', Buffer.from('a'), 'image/jpeg')).rejects.toThrow(/unsafe/);
  });
});
