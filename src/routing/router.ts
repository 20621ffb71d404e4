import type { CatalogModel, CatalogRoute } from '../catalog/types.ts';
import type { Logger } from '../log.ts';
import type {
  GenerationJob,
  GenerationOutcome,
  ImageProvider,
  ProviderFailureKind,
} from '../providers/provider.ts';

/** What one try of one route came to. */
export type AttemptOutcome = 'ok' | ProviderFailureKind | 'circuit_open' | 'error';

/** One try of one route for one image, as recorded with the generation. */
export interface Attempt {
  readonly index: number;
  readonly provider: string;
  readonly upstreamModel: string;
  readonly outcome: AttemptOutcome;
  readonly latencyMs: number;
  readonly upstreamRequestId: string | undefined;
  /** Estimated upstream cost (USD) of this try: the route's price when it delivered, else 0. */
  readonly costUsd: number;
}

/** One image's outcome after its routes were tried, with every attempt. */
export interface RoutedOutcome {
  readonly outcome: GenerationOutcome;
  /** The provider that delivered the image (or gave the final answer). */
  readonly provider: string | undefined;
  readonly attempts: readonly Attempt[];
}

/** The job of one image, before a route is chosen. */
export type RouteJob = Omit<GenerationJob, 'model' | 'upstreamModel'>;

/**
 * Serves a catalog model's images through its routes in order, falling back to the next one
 * when a route is unavailable. Content-policy refusals and invalid inputs are answers, never
 * a reason to ask another upstream.
 */
export interface ModelRouter {
  generate(model: CatalogModel, job: RouteJob): Promise<RoutedOutcome>;
  /** Whether some route of the model may be tried now (its circuit not open). */
  available(model: CatalogModel): Promise<boolean>;
  /** The providers that serve, one line each for the startup log. */
  describe(): string[];
  close(): Promise<void>;
}

/** Failures another route may cure: the upstream is down, full or slow. */
export const FALLBACK_KINDS: ReadonlySet<ProviderFailureKind> = new Set([
  'unavailable',
  'rate_limited',
  'timeout',
]);

export interface RouterDeps {
  /** The provider instances, by id. */
  readonly providers: ReadonlyMap<string, ImageProvider>;
  /** The routes of a model (the catalog's, or one provider given by a test). */
  readonly routesOf: (model: CatalogModel) => readonly RouteChoice[];
  readonly log: Logger;
  readonly now?: () => number;
}

/** A route as the router tries it: `upstreamModel` undefined means the provider's default. */
export interface RouteChoice {
  readonly provider: string;
  readonly upstreamModel: string | undefined;
  readonly costPerImageUsd: number;
}

export const catalogRoutes = (model: CatalogModel): readonly CatalogRoute[] => model.routes;

export function createModelRouter(deps: RouterDeps): ModelRouter {
  const now = deps.now ?? performance.now.bind(performance);
  return {
    async generate(model, job) {
      const attempts: Attempt[] = [];
      let last: RoutedOutcome | undefined;
      for (const route of deps.routesOf(model)) {
        const provider = deps.providers.get(route.provider);
        if (!provider) throw new Error(`route to unknown provider ${route.provider}`);
        const started = now();
        const outcome = await provider.generate({
          ...job,
          model: model.profile,
          ...(route.upstreamModel === undefined ? {} : { upstreamModel: route.upstreamModel }),
        });
        const latencyMs = Math.round(now() - started);
        attempts.push({
          index: job.index,
          provider: route.provider,
          upstreamModel: route.upstreamModel ?? model.profile,
          outcome: outcome.ok ? 'ok' : outcome.failure.kind,
          latencyMs,
          upstreamRequestId: outcome.upstreamRequestId,
          costUsd: outcome.ok ? route.costPerImageUsd : 0,
        });
        last = { outcome, provider: route.provider, attempts };
        if (outcome.ok || !FALLBACK_KINDS.has(outcome.failure.kind) || job.signal.aborted) break;
        deps.log.warn(
          {
            provider: route.provider,
            model: model.id,
            index: job.index,
            kind: outcome.failure.kind,
          },
          'route unavailable; trying the next route',
        );
      }
      if (!last) throw new Error(`model ${model.id} has no route`);
      return last;
    },
    available: async () => true,
    describe: () => [...deps.providers.values()].map((p) => `${p.id}: ${p.describe()}`),
    async close() {
      await Promise.all([...deps.providers.values()].map((p) => p.close?.()));
    },
  };
}
