import {
  DEFAULT_MODEL,
  isModelId,
  MODEL_IDS,
  MODEL_INFO,
  type ModelId,
} from '../../../contract/models.ts';
import { DEFAULT_SIZE, parseSize, type SizeParse, validSizes } from '../../../contract/sizes.ts';

/** One model as the OpenAI-compatible routes see it. */
export interface DirectoryModel {
  readonly id: ModelId;
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
}

/**
 * Everything the OpenAI-compatible routes read about models and sizes, in one place: the
 * routes get this interface, never the model tables themselves. Today it reads
 * src/contract/models.ts and sizes.ts; pointing it at a data-driven catalog changes this file
 * only.
 */
export interface ModelDirectory {
  list(): readonly DirectoryModel[];
  find(id: string): DirectoryModel | undefined;
  /** The model used when a request names none. */
  readonly defaultModel: ModelId;
  /** A native `size` value for a model (`2K`, `2048x2048`, ...), resolved or refused. */
  parseSize(model: ModelId, raw: string): SizeParse;
}

const releasedAt = (date: string) => Math.floor(Date.parse(`${date}T00:00:00Z`) / 1000);

/** The directory of src/contract's models, priced as configured. */
export function contractModelDirectory(prices: Readonly<Record<ModelId, number>>): ModelDirectory {
  const models: DirectoryModel[] = MODEL_IDS.map((id) => ({
    id,
    name: MODEL_INFO[id].name,
    ownedBy: MODEL_INFO[id].ownedBy,
    created: releasedAt(MODEL_INFO[id].released),
    pricePerImage: prices[id],
    sizes: validSizes(id),
    defaultSize: DEFAULT_SIZE,
  }));
  return {
    list: () => models,
    find: (id) => (isModelId(id) ? models.find((m) => m.id === id) : undefined),
    defaultModel: DEFAULT_MODEL,
    parseSize,
  };
}
