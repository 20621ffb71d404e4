import type { CatalogModel, CatalogRoute } from '../catalog/types.ts';
import type { Logger } from '../log.ts';
import type { Metrics } from '../metrics/metrics.ts';
import type {
  GenerationJob,
  GenerationOutcome,
  ImageProvider,
  ProviderFailureKind,
} from '../providers/provider.ts';
import type { CircuitBreaker, CircuitState } from './circuit.ts';

/** What one try of one route came to. */
export type AttemptOutcome = 'ok' | ProviderFailureKind | 'circuit_open';

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
 * when a route is unavailable (down, full, slow, or its circuit open). Content-policy refusals
 * and invalid inputs are answers, never a reason to ask another upstream.
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

/** A route as the router tries it: `upstreamModel` undefined means the provider's default. */
export interface RouteChoice {
  readonly provider: string;
  readonly upstreamModel: string | undefined;
  readonly costPerImageUsd: number;
}

export const catalogRoutes = (model: CatalogModel): readonly CatalogRoute[] => model.routes;

export interface RouterDeps {
  /** The provider instances, by id. */
  readonly providers: ReadonlyMap<string, ImageProvider>;
  /** The routes of a model (the catalog's, or one provider given by a test). */
  readonly routesOf: (model: CatalogModel) => readonly RouteChoice[];
  /** One circuit per route (this process, or shared by the replicas through Redis). */
  readonly breaker: CircuitBreaker;
  readonly log: Logger;
  readonly metrics?: Metrics | undefined;
  readonly now?: () => number;
}

const STATE_VALUE: Readonly<Record<CircuitState, number>> = { closed: 0, half_open: 1, open: 2 };

/** The circuit's name of a route: provider and upstream model. */
export const routeKey = (provider: string, upstreamModel: string) => `${provider}/${upstreamModel}`;

const NO_ROUTE: GenerationOutcome = {
  ok: false,
  failure: { kind: 'unavailable', message: 'No upstream can serve this model right now' },
};

export function createModelRouter(deps: RouterDeps): ModelRouter {
  const now = deps.now ?? performance.now.bind(performance);
  const seen = (provider: string, upstreamModel: string, state: CircuitState) => {
    deps.metrics?.circuitState.set(
      { provider, route: routeKey(provider, upstreamModel) },
      STATE_VALUE[state],
    );
  };
  return {
    async generate(model, job) {
      const attempts: Attempt[] = [];
      let last: RoutedOutcome | undefined;
      for (const route of deps.routesOf(model)) {
        const provider = deps.providers.get(route.provider);
        if (!provider) throw new Error(`route to unknown provider ${route.provider}`);
        const upstreamModel = route.upstreamModel ?? model.profile;
        const key = routeKey(route.provider, upstreamModel);
        const admission = await deps.breaker.admit(key);
        seen(route.provider, upstreamModel, admission.state);
        const base = { index: job.index, provider: route.provider, upstreamModel };
        if (!admission.admitted) {
          attempts.push({
            ...base,
            outcome: 'circuit_open',
            latencyMs: 0,
            upstreamRequestId: undefined,
            costUsd: 0,
          });
          deps.metrics?.upstreamAttempts.inc({ provider: route.provider, outcome: 'circuit_open' });
          continue;
        }
        const started = now();
        const outcome = await provider.generate({
          ...job,
          model: model.profile,
          ...(route.upstreamModel === undefined ? {} : { upstreamModel: route.upstreamModel }),
        });
        const seconds = (now() - started) / 1000;
        const kind = outcome.ok ? 'ok' : outcome.failure.kind;
        attempts.push({
          ...base,
          outcome: kind,
          latencyMs: Math.round(seconds * 1000),
          upstreamRequestId: outcome.upstreamRequestId,
          costUsd: outcome.ok ? route.costPerImageUsd : 0,
        });
        deps.metrics?.upstreamAttempts.inc({ provider: route.provider, outcome: kind });
        deps.metrics?.upstreamAttemptSeconds.observe({ provider: route.provider }, seconds);
        last = { outcome, provider: route.provider, attempts };
        const unavailable = !outcome.ok && FALLBACK_KINDS.has(outcome.failure.kind);
        // An abandoned request says nothing about the upstream.
        if (!job.signal.aborted) {
          const state = await deps.breaker.report(key, !unavailable);
          seen(route.provider, upstreamModel, state);
          if (state !== admission.state && (state === 'open' || admission.probe)) {
            deps.log.warn(
              { provider: route.provider, route: key, from: admission.state, to: state },
              state === 'open'
                ? 'circuit opened: route skipped until its cool-down ends'
                : 'circuit closed',
            );
          }
        }
        if (!unavailable || job.signal.aborted) break;
        deps.log.warn(
          { provider: route.provider, route: key, model: model.id, index: job.index, kind },
          'route unavailable; trying the next route',
        );
      }
      return last ?? { outcome: NO_ROUTE, provider: undefined, attempts };
    },
    async available(model) {
      for (const route of deps.routesOf(model)) {
        const state = await deps.breaker.state(
          routeKey(route.provider, route.upstreamModel ?? model.profile),
        );
        if (state !== 'open') return true;
      }
      return false;
    },
    describe: () => [...deps.providers.values()].map((p) => `${p.id}: ${p.describe()}`),
    async close() {
      await Promise.all([...deps.providers.values()].map((p) => p.close?.()));
    },
  };
}
