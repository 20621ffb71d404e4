import { createHash } from 'node:crypto';
import type { Insertable } from 'kysely';
import type { Db } from '../db/database.ts';
import { prepareQuery, type QueryRunner } from '../db/prepared.ts';
import type { ImagesTable } from '../db/schema.ts';
import { imageId } from '../ids.ts';
import type { ImageProvenance } from '../provenance/provenance.ts';
import type { ImageStore } from '../storage/store.ts';
import type { NormalizedImage } from './normalize.ts';

/** Images at least this large are hashed off the event loop. */
const OFF_THREAD_HASH_BYTES = 512 * 1024;

export interface StoredImage {
  readonly id: string;
  readonly ext: string;
  readonly contentType: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  readonly etag: string;
  readonly storageKey: string;
  /** What the stored bytes carry about their making. */
  readonly provenance: ImageProvenance;
}

/** An image to store: whose, where in its generation, and its final bytes. */
export interface ImageToStore {
  readonly generationId: string;
  readonly accountId: string;
  readonly position: number;
  /** The final bytes: the ones stored, hashed and measured. */
  readonly image: NormalizedImage & { readonly provenance?: ImageProvenance };
}

/** A stored file not yet recorded: recording it (its row) makes it a delivered image. */
export interface UnrecordedImage {
  readonly image: StoredImage;
  readonly row: Required<Insertable<ImagesTable>>;
}

export interface ImageRecords {
  /** Stores the file, then records it: a recorded image is a delivered (chargeable) image. */
  save(input: ImageToStore): Promise<StoredImage>;
  /** Stores the file only; `record` its row later, in the transaction it belongs to. */
  storeFile(input: ImageToStore): Promise<UnrecordedImage>;
  /** Records a stored file (inside `runner`'s transaction when it is one). */
  record(runner: QueryRunner, image: UnrecordedImage): Promise<void>;
  find(id: string): Promise<StoredImage | undefined>;
  forGeneration(generationId: string): Promise<StoredImage[]>;
}

export function createImageRecords(deps: {
  db: Db;
  store: ImageStore;
  now?: () => number;
}): ImageRecords {
  const { db, store } = deps;
  const now = deps.now ?? Date.now;
  const insertImage = prepareQuery<Required<Insertable<ImagesTable>>, never>(
    [
      'id',
      'generation_id',
      'account_id',
      'position',
      'content_type',
      'ext',
      'width',
      'height',
      'bytes',
      'etag',
      'storage_key',
      'created_at',
      'provenance',
      'digital_source_type',
    ],
    (v) => db.insertInto('images').values(v),
  );
  const toStored = (r: {
    id: string;
    ext: string;
    content_type: string;
    width: number;
    height: number;
    bytes: number;
    etag: string;
    storage_key: string;
    provenance: string;
    digital_source_type: string | null;
  }): StoredImage => ({
    id: r.id,
    ext: r.ext,
    contentType: r.content_type,
    width: r.width,
    height: r.height,
    bytes: r.bytes,
    etag: r.etag,
    storageKey: r.storage_key,
    provenance: provenanceFromColumns(r.provenance, r.digital_source_type),
  });

  async function storeFile({
    generationId,
    accountId,
    position,
    image,
  }: ImageToStore): Promise<UnrecordedImage> {
    const id = imageId();
    const storageKey = `${id}.${image.ext}`;
    // The ETag is the content's SHA-256, hashed while the file is written. Large images are
    // hashed by WebCrypto on the libuv thread pool (2 MB is over a millisecond of SHA-256,
    // which would hold up the event loop); small ones here, where that costs less than
    // handing the job to another thread.
    const [digest] = await Promise.all([
      image.bytes.byteLength >= OFF_THREAD_HASH_BYTES
        ? crypto.subtle
            .digest('SHA-256', image.bytes as Uint8Array<ArrayBuffer>)
            .then((d) => Buffer.from(d))
        : createHash('sha256').update(image.bytes).digest(),
      store.put(storageKey, image.bytes, image.contentType),
    ]);
    const etag = `"${digest.toString('base64url')}"`;
    const row = {
      id,
      generation_id: generationId,
      account_id: accountId,
      position,
      content_type: image.contentType,
      ext: image.ext,
      width: image.width,
      height: image.height,
      bytes: image.bytes.byteLength,
      etag,
      storage_key: storageKey,
      created_at: now(),
      ...provenanceColumns(image.provenance),
    };
    return { image: toStored(row), row };
  }

  return {
    async save(input) {
      const unrecorded = await storeFile(input);
      await insertImage(db, unrecorded.row);
      return unrecorded.image;
    },
    storeFile,
    record: async (runner, unrecorded) => {
      await insertImage(runner, unrecorded.row);
    },
    async find(id) {
      const row = await db.selectFrom('images').selectAll().where('id', '=', id).executeTakeFirst();
      return row ? toStored(row) : undefined;
    },
    async forGeneration(generationId) {
      const rows = await db
        .selectFrom('images')
        .selectAll()
        .where('generation_id', '=', generationId)
        .orderBy('position')
        .execute();
      return rows.map(toStored);
    },
  };
}

/** The provenance columns of an image row. */
export function provenanceColumns(p: ImageProvenance | undefined): {
  provenance: string;
  digital_source_type: string | null;
} {
  const parts = [p?.xmp ? 'xmp' : '', p?.c2pa ? 'c2pa' : ''].filter(Boolean);
  return { provenance: parts.join(','), digital_source_type: p?.digitalSourceType ?? null };
}

export function provenanceFromColumns(
  provenance: string,
  digitalSourceType: string | null,
): ImageProvenance {
  const parts = provenance.split(',');
  return {
    xmp: parts.includes('xmp'),
    c2pa: parts.includes('c2pa'),
    digitalSourceType: digitalSourceType ?? undefined,
  };
}
