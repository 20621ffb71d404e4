import type { ModelId, OptimizeMode } from '../contract/models.ts';
import type { ModelSizes } from '../contract/sizes.ts';

/** One way to serve a model: a provider, and that provider's model or endpoint id. */
export interface CatalogRoute {
  /** A provider id of src/providers/registry.ts (`modelark`, `fal`, `replicate`, `offline`). */
  readonly provider: string;
  /** The provider's own model or endpoint id (ModelArk model, fal endpoint family, Replicate owner/name). */
  readonly upstreamModel: string;
  /** Estimated upstream cost of one delivered image, in USD (the catalog's price table). */
  readonly costPerImageUsd: number;
}

/** What a model can do besides text to image. */
export interface ModelCapabilities {
  /** Source images a blend request may carry; 0 means the model takes none. */
  readonly maxSourceImages: number;
  /** The `optimize_prompt_mode` values it takes. */
  readonly promptModes: readonly OptimizeMode[];
}

/** One public model: what callers name, pay and get, and the routes that serve it in order. */
export interface CatalogModel extends ModelSizes {
  readonly id: string;
  readonly name: string;
  readonly ownedBy: string;
  /** Release date, `YYYY-MM-DD`. */
  readonly released: string;
  /** Credits per delivered image, whatever route delivers it. */
  readonly pricePerImage: number;
  /** The seed model whose upstream rules (sizes, limits, request fields) the routes follow. */
  readonly profile: ModelId;
  readonly defaultSize: string;
  readonly capabilities: ModelCapabilities;
  readonly routes: readonly CatalogRoute[];
}

/** The models goodtake serves (the enabled ones), read once at start. */
export interface Catalog {
  readonly models: readonly CatalogModel[];
  /** The model used when a request names none. */
  readonly defaultModel: string;
  find(id: string): CatalogModel | undefined;
  /** Where the catalog came from, for the startup log (`default` or the file's path). */
  readonly source: string;
}

export function catalogOf(
  models: readonly CatalogModel[],
  defaultModel: string,
  source: string,
): Catalog {
  const byId = new Map(models.map((m) => [m.id, m]));
  return { models, defaultModel, source, find: (id) => byId.get(id) };
}
