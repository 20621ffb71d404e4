import { Counter, collectDefaultMetrics, Gauge, Histogram, Registry } from 'prom-client';

/** goodtake's Prometheus metrics, in a registry of their own (no global state). */
export interface Metrics {
  readonly registry: Registry;
  readonly httpRequests: Counter<'route' | 'method' | 'status'>;
  readonly imagesDelivered: Counter<'model'>;
  readonly generationFailures: Counter<'model' | 'code'>;
  readonly generationSeconds: Histogram<'model'>;
  /** Every try of a route, by provider and outcome (`ok`, a failure kind, `circuit_open`). */
  readonly upstreamAttempts: Counter<'provider' | 'outcome'>;
  readonly upstreamAttemptSeconds: Histogram<'provider'>;
  /** Each route's circuit as this process last saw it: 0 closed, 1 half-open, 2 open. */
  readonly circuitState: Gauge<'provider' | 'route'>;
}

export function createMetrics(options: { processMetrics?: boolean } = {}): Metrics {
  const registry = new Registry();
  if (options.processMetrics ?? true) collectDefaultMetrics({ register: registry });
  return {
    registry,
    httpRequests: new Counter({
      name: 'goodtake_http_requests_total',
      help: 'HTTP requests by route pattern, method and status',
      labelNames: ['route', 'method', 'status'],
      registers: [registry],
    }),
    imagesDelivered: new Counter({
      name: 'goodtake_images_delivered_total',
      help: 'Images generated, stored and charged',
      labelNames: ['model'],
      registers: [registry],
    }),
    generationFailures: new Counter({
      name: 'goodtake_generation_failures_total',
      help: 'Generation requests that delivered no image, by error code',
      labelNames: ['model', 'code'],
      registers: [registry],
    }),
    generationSeconds: new Histogram({
      name: 'goodtake_generation_seconds',
      help: 'Time from reservation to settlement of a generation request',
      labelNames: ['model'],
      buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 60, 120, 300],
      registers: [registry],
    }),
    upstreamAttempts: new Counter({
      name: 'goodtake_upstream_attempts_total',
      help: 'Tries of an upstream route for one image, by provider and outcome',
      labelNames: ['provider', 'outcome'],
      registers: [registry],
    }),
    upstreamAttemptSeconds: new Histogram({
      name: 'goodtake_upstream_attempt_seconds',
      help: 'Time of one try of an upstream route, by provider',
      labelNames: ['provider'],
      buckets: [0.05, 0.1, 0.25, 0.5, 1, 2, 5, 10, 20, 40, 60, 120, 300],
      registers: [registry],
    }),
    circuitState: new Gauge({
      name: 'goodtake_circuit_state',
      help: "A route's circuit as this process last saw it: 0 closed, 1 half-open, 2 open",
      labelNames: ['provider', 'route'],
      registers: [registry],
    }),
  };
}
