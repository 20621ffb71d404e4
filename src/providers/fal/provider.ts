import { MODEL_IDS } from '../../contract/models.ts';
import { closeQueueAdapter, describeGuard } from '../kit/options.ts';
import type { ImageProvider } from '../provider.ts';
import { generateWithFal } from './generate.ts';
import { type FalOptions, type ResolvedFalOptions, resolveFalOptions } from './options.ts';

/**
 * The Seedream provider backed by fal.ai's queue: each job is one submission to the model's
 * text-to-image or edit endpoint, followed to its result, whose image is downloaded at once.
 */
export function createFalProvider(options: FalOptions): ImageProvider {
  const cfg = resolveFalOptions(options);
  return {
    id: 'fal',
    describe: () => describeFal(cfg),
    generate: (job) => generateWithFal(job, cfg),
    close: () => closeQueueAdapter(cfg),
  };
}

/** The startup line: where requests go and how; never the key. */
export function describeFal(cfg: ResolvedFalOptions): string {
  const endpoints = MODEL_IDS.flatMap((m) => [cfg.endpoints[m].textToImage, cfg.endpoints[m].edit]);
  return (
    `fal.ai queue at ${cfg.baseUrl} (endpoints ${endpoints.join(', ')}; ` +
    `safety checker ${cfg.safetyChecker ? 'on' : 'off'}, ` +
    `sources as ${cfg.sendSourceUrls ? 'public URLs where known' : 'data URIs'}, ` +
    `poll every ${cfg.pollIntervalMs} ms, timeout ${Math.round(cfg.requestTimeoutMs / 1000)} s, ` +
    `${describeGuard(cfg, MODEL_IDS)})`
  );
}
