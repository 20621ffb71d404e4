import type { Db } from '../db/database.ts';
import type { ImageProvenance } from '../provenance/provenance.ts';
import { provenanceFromColumns } from './image-records.ts';

/** A delivered image as listed with its generation (no bytes read from storage). */
export interface ImageSummary {
  readonly id: string;
  readonly ext: string;
  readonly width: number;
  readonly height: number;
  readonly bytes: number;
  /** What the stored file carries about its making (IPTC XMP, signed C2PA manifest). */
  readonly provenance: ImageProvenance;
}

/**
 * The images of these generations, by generation id, in the order they were delivered: one query
 * for a whole page of generations. Used by the public usage listing and the console's reports.
 */
export async function imagesOfGenerations(
  db: Db,
  ids: readonly string[],
): Promise<Map<string, ImageSummary[]>> {
  const out = new Map<string, ImageSummary[]>();
  if (ids.length === 0) return out;
  const rows = await db
    .selectFrom('images')
    .select([
      'id',
      'generation_id',
      'ext',
      'width',
      'height',
      'bytes',
      'position',
      'provenance',
      'digital_source_type',
    ])
    .where('generation_id', 'in', ids)
    .orderBy('generation_id')
    .orderBy('position')
    .execute();
  for (const r of rows) {
    let list = out.get(r.generation_id);
    if (!list) {
      list = [];
      out.set(r.generation_id, list);
    }
    list.push({
      id: r.id,
      ext: r.ext,
      width: r.width,
      height: r.height,
      bytes: r.bytes,
      provenance: provenanceFromColumns(r.provenance, r.digital_source_type),
    });
  }
  return out;
}
