import { z } from 'zod';
import { MAX_IMAGE_URLS } from '../contract/generate-image.ts';
import { MODEL_IDS, type ModelId, OPTIMIZE_MODES } from '../contract/models.ts';
import { parseDimensions, SIZE_TIERS } from '../contract/sizes.ts';
import type { AnyProviderPlugin, ConfiguredProvider } from '../providers/plugin.ts';
import { seedModel } from './seed.ts';
import { type Catalog, type CatalogModel, type CatalogRoute, catalogOf } from './types.ts';

/** What the catalog is built from besides a file: the providers and the price settings. */
export interface CatalogInputs {
  /** Every known provider, in default route order (src/providers/registry.ts). */
  readonly plugins: readonly AnyProviderPlugin[];
  /** The providers with credentials (settings read), by id. */
  readonly configured: ReadonlyMap<string, ConfiguredProvider>;
  /** GOODTAKE_PRICE_SEEDREAM_*: the default price of each seed model. */
  readonly seedPrices: Readonly<Record<ModelId, number>>;
  /** The largest price a model may have (a request reserves four images at once). */
  readonly maxPrice: number;
}

function defaultRoute(
  plugin: AnyProviderPlugin,
  settings: unknown,
  profile: ModelId,
): CatalogRoute {
  return {
    provider: plugin.id,
    upstreamModel: plugin.defaultUpstreamModel(profile, settings),
    costPerImageUsd: plugin.costPerImageUsd[profile],
  };
}

/**
 * The default routes of a profile: every provider with credentials, in registry order; the
 * provider without credentials (offline) only when no other has them.
 */
function defaultRoutes(inputs: CatalogInputs, profile: ModelId): CatalogRoute[] {
  const withKeys = inputs.plugins.filter(
    (p) => p.credentialVariable !== undefined && inputs.configured.has(p.id),
  );
  const chosen =
    withKeys.length > 0
      ? withKeys
      : inputs.plugins.filter((p) => p.credentialVariable === undefined).slice(0, 1);
  return chosen.map((p) => defaultRoute(p, inputs.configured.get(p.id)?.settings, profile));
}

/** The default catalog: the seed's two models, priced by GOODTAKE_PRICE_SEEDREAM_*. */
export function defaultCatalog(inputs: CatalogInputs): Catalog {
  const models: CatalogModel[] = MODEL_IDS.map((id) => ({
    ...seedModel(id),
    pricePerImage: inputs.seedPrices[id],
    profile: id,
    routes: defaultRoutes(inputs, id),
  }));
  return catalogOf(models, MODEL_IDS[0], 'default');
}

const MODEL_ID = /^[a-z0-9][a-z0-9._-]{0,63}$/;

/** The catalog file's schema (docs/providers.md "The catalog file"). */
export const catalogFileSchema = z.strictObject({
  default_model: z.string().optional(),
  models: z
    .array(
      z.strictObject({
        id: z.string().regex(MODEL_ID, {
          error: 'id must be 1-64 lower-case letters, digits, dots, dashes or underscores',
        }),
        name: z.string().min(1).max(100).optional(),
        owned_by: z.string().min(1).max(100).optional(),
        released: z.iso.date().optional(),
        profile: z.enum(MODEL_IDS).optional(),
        price: z.unknown(),
        enabled: z.boolean().default(true),
        tiers: z.array(z.enum(SIZE_TIERS)).optional(),
        sizes: z.array(z.string()).optional(),
        default_size: z.string().optional(),
        max_source_images: z.int().min(0).max(MAX_IMAGE_URLS).optional(),
        prompt_modes: z.array(z.enum(OPTIMIZE_MODES)).min(1).optional(),
        routes: z
          .array(
            z.strictObject({
              provider: z.string(),
              model: z.string().min(1).max(200).optional(),
              cost_per_image_usd: z.number().min(0).optional(),
            }),
          )
          .optional(),
      }),
    )
    .min(1, { error: 'models must list at least one model' }),
});

export type CatalogFile = z.infer<typeof catalogFileSchema>;

/** A catalog file that is wrong: every problem, one line each, naming the entry. */
export class CatalogError extends Error {
  override name = 'CatalogError';
  readonly problems: readonly string[];
  constructor(source: string, problems: readonly string[]) {
    super(`GOODTAKE_CATALOG ${source}:\n${problems.map((p) => `- ${p}`).join('\n')}`);
    this.problems = problems;
  }
}

/** Builds the catalog from a parsed file, checking every entry against the providers. */
export function catalogFromFile(data: unknown, source: string, inputs: CatalogInputs): Catalog {
  const parsed = catalogFileSchema.safeParse(data);
  if (!parsed.success) {
    throw new CatalogError(
      source,
      parsed.error.issues.map((i) => {
        const at = i.path.length > 0 ? describePath(data, i.path) : 'the file';
        return `${at}: ${i.message}`;
      }),
    );
  }
  const problems: string[] = [];
  const models: CatalogModel[] = [];
  const seen = new Set<string>();
  parsed.data.models.forEach((entry, index) => {
    const where = `models[${index}] (${entry.id})`;
    const problem = (text: string) => problems.push(`${where}: ${text}`);
    if (seen.has(entry.id)) problem('the id is listed twice');
    seen.add(entry.id);
    const profile = entry.profile ?? (MODEL_IDS as readonly string[]).find((m) => m === entry.id);
    if (profile === undefined) {
      problem(
        `profile is required for a model the seed does not name (one of: ${MODEL_IDS.join(', ')})`,
      );
      return;
    }
    const seed = seedModel(profile as ModelId);
    const price = entry.price;
    if (typeof price !== 'number' || !Number.isInteger(price) || price < 1) {
      problem(
        `price must be a positive whole number of credits, got ${JSON.stringify(price) ?? 'nothing'}`,
      );
    } else if (price > inputs.maxPrice) {
      problem(`price must be at most ${inputs.maxPrice}`);
    }
    const tiers = entry.tiers ?? seed.tiers;
    const exactSizes = entry.sizes ?? seed.exactSizes;
    for (const size of exactSizes) {
      if (!parseDimensions(size)) problem(`size '${size}' is not WIDTHxHEIGHT`);
    }
    const defaultSize =
      entry.default_size ?? (tiers.includes('2K') ? '2K' : (tiers[0] ?? exactSizes[0]));
    if (defaultSize === undefined || ![...tiers, ...exactSizes].includes(defaultSize)) {
      problem(`default_size '${defaultSize ?? ''}' is not one of its sizes`);
    }
    const routes: CatalogRoute[] = [];
    (
      entry.routes ??
      defaultRoutes(inputs, profile as ModelId).map((r) => ({
        provider: r.provider,
        model: r.upstreamModel,
        cost_per_image_usd: r.costPerImageUsd,
      }))
    ).forEach((r, ri) => {
      const at = `routes[${ri}] (${r.provider})`;
      const plugin = inputs.plugins.find((p) => p.id === r.provider);
      if (!plugin) {
        problem(
          `${at}: unknown provider '${r.provider}' (known: ${inputs.plugins.map((p) => p.id).join(', ')})`,
        );
        return;
      }
      const configured = inputs.configured.get(plugin.id);
      if (!configured) {
        problem(
          `${at}: ${plugin.name} has no credentials (set ${plugin.credentialVariable ?? 'its settings'})`,
        );
        return;
      }
      for (const size of exactSizes) {
        const dims = parseDimensions(size);
        const why = dims && plugin.sizeProblem(profile as ModelId, dims);
        if (why) problem(`${at}: size ${size} is outside what the route can make (${why})`);
      }
      routes.push({
        provider: plugin.id,
        upstreamModel:
          r.model ?? plugin.defaultUpstreamModel(profile as ModelId, configured.settings),
        costPerImageUsd: r.cost_per_image_usd ?? plugin.costPerImageUsd[profile as ModelId],
      });
    });
    if (entry.enabled && (entry.routes?.length ?? 1) === 0)
      problem('routes must list at least one route');
    if (!entry.enabled) return;
    models.push({
      id: entry.id,
      name: entry.name ?? (entry.id === seed.id ? seed.name : entry.id),
      ownedBy: entry.owned_by ?? seed.ownedBy,
      released: entry.released ?? seed.released,
      pricePerImage: typeof price === 'number' ? price : 0,
      profile: profile as ModelId,
      tiers,
      exactSizes,
      defaultSize: defaultSize ?? '2K',
      capabilities: {
        maxSourceImages: entry.max_source_images ?? seed.capabilities.maxSourceImages,
        promptModes: entry.prompt_modes ?? seed.capabilities.promptModes,
      },
      routes,
    });
  });
  const defaultModel = parsed.data.default_model ?? models[0]?.id;
  if (models.length === 0) problems.push('every model is disabled: nothing could be served');
  else if (defaultModel === undefined || !models.some((m) => m.id === defaultModel)) {
    problems.push(`default_model '${defaultModel}' is not an enabled model of the file`);
  }
  if (problems.length > 0) throw new CatalogError(source, problems);
  return catalogOf(models, defaultModel!, source);
}

/** `models[2] (seedream-x).routes[0]`-style location of a schema problem. */
function describePath(data: unknown, path: readonly PropertyKey[]): string {
  let out = '';
  let node: unknown = data;
  for (const key of path) {
    out += typeof key === 'number' ? `[${key}]` : `${out ? '.' : ''}${String(key)}`;
    node =
      node !== null && typeof node === 'object'
        ? (node as Record<PropertyKey, unknown>)[key]
        : undefined;
    if (typeof key === 'number' && node !== null && typeof node === 'object' && 'id' in node) {
      out += ` (${String((node as { id: unknown }).id)})`;
    }
  }
  return out;
}

/**
 * The seed's two models at the default prices, routed to the offline provider: the catalog
 * of an installation with no upstream key and no settings (bench and tests use it too).
 */
export function seedCatalog(
  seedPrices: Readonly<Record<ModelId, number>> = {
    'seedream-4-5-251128': 4,
    'seedream-4-0-250828': 3,
  },
): Catalog {
  const models: CatalogModel[] = MODEL_IDS.map((id) => ({
    ...seedModel(id),
    pricePerImage: seedPrices[id],
    profile: id,
    routes: [{ provider: 'offline', upstreamModel: id, costPerImageUsd: 0 }],
  }));
  return catalogOf(models, MODEL_IDS[0], 'default');
}
