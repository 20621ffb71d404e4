import pLimit from 'p-limit';
import { MODEL_IDS } from '../../contract/models.ts';
import { createMemoryThroughputGuard } from '../kit/memory-throughput-guard.ts';
import type { ImageProvider } from '../provider.ts';
import { generateWithModelArk } from './generate.ts';
import { upstreamModelId } from './models.ts';
import {
  type ModelArkOptions,
  type ResolvedModelArkOptions,
  resolveModelArkOptions,
} from './options.ts';

/**
 * The Seedream provider backed by BytePlus ModelArk or Volcengine Ark: each job is one
 * single-image `POST {baseUrl}/images/generations`, and the result is returned as JPEG bytes.
 */
export function createModelArkProvider(options: ModelArkOptions): ImageProvider {
  const cfg = resolveModelArkOptions(options);
  const guard =
    options.guard ??
    createMemoryThroughputGuard({
      limitFor: cfg.imagesPerMinute,
      maxQueueMs: cfg.maxQueueMs,
      now: cfg.now,
      sleep: cfg.sleep,
    });
  const downloads = pLimit(cfg.downloadConcurrency);
  return {
    id: 'modelark',
    describe: () => describeModelArk(cfg, options.guard !== undefined),
    generate: (job) => generateWithModelArk(job, cfg, guard, downloads),
    close: () => cfg.http.close(),
  };
}

/** The startup line: where requests go and how; never the key. */
export function describeModelArk(cfg: ResolvedModelArkOptions, customGuard = false): string {
  const name = cfg.flavor === 'volcengine' ? 'Volcengine Ark' : 'BytePlus ModelArk';
  const models = MODEL_IDS.map((m) => cfg.modelIds[m] ?? upstreamModelId(m, cfg.flavor)).join(', ');
  const ipm = MODEL_IDS.map((m) => cfg.imagesPerMinute(m));
  const limits = ipm.every((n) => n === ipm[0]) ? `${ipm[0]}` : ipm.join('/');
  const guard = customGuard ? 'a custom throughput guard' : `guard ${limits} images/min per model`;
  return (
    `${name} at ${cfg.baseUrl} (models ${models}; response ${cfg.responseFormat}, ` +
    `watermark ${cfg.watermark ? 'on' : 'off'}, stream ${cfg.stream ? 'on' : 'off'}, ` +
    `${guard})`
  );
}
