import type { Catalog } from '../../../catalog/types.ts';
import { parseSize, type SizeParse, validSizes } from '../../../contract/sizes.ts';

/** One model as the OpenAI-compatible routes see it. */
export interface DirectoryModel {
  readonly id: string;
  readonly name: string;
  readonly ownedBy: string;
  /** Release time, epoch seconds (OpenAI's `created`). */
  readonly created: number;
  /** Credits per delivered image. */
  readonly pricePerImage: number;
  /** The `size` values the model takes natively (its resolution classes and exact sizes). */
  readonly sizes: readonly string[];
  /** What `size: "auto"` means for it when `quality` does not choose: its default size. */
  readonly defaultSize: string;
  /** Source images an edit may carry (0: the model takes none). */
  readonly maxSourceImages: number;
}

/**
 * Everything the OpenAI-compatible routes read about models and sizes, in one place: the
 * routes get this interface, never the model tables themselves. It reads the catalog
 * (src/catalog/), so a model an operator adds there is served here too.
 */
export interface ModelDirectory {
  list(): readonly DirectoryModel[];
  find(id: string): DirectoryModel | undefined;
  /** The model used when a request names none. */
  readonly defaultModel: string;
  /** A native `size` value for a model (`2K`, `2048x2048`, ...), resolved or refused. */
  parseSize(model: string, raw: string): SizeParse;
}

const releasedAt = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000);

/** The directory of the catalog's models. */
export function catalogModelDirectory(catalog: Catalog): ModelDirectory {
  const models: DirectoryModel[] = catalog.models.map((m) => ({
    id: m.id,
    name: m.name,
    ownedBy: m.ownedBy,
    created: releasedAt(m.released),
    pricePerImage: m.pricePerImage,
    sizes: validSizes(m),
    defaultSize: m.defaultSize,
    maxSourceImages: m.capabilities.maxSourceImages,
  }));
  return {
    list: () => models,
    find: (id) => models.find((m) => m.id === id),
    defaultModel: catalog.defaultModel,
    parseSize(model, raw) {
      const found = catalog.find(model);
      return found
        ? parseSize(found, raw)
        : { ok: false, message: `model ${model} is not in the catalog` };
    },
  };
}
