import { MODEL_IDS } from '../../contract/models.ts';
import { closeQueueAdapter, describeGuard } from '../kit/options.ts';
import type { ImageProvider } from '../provider.ts';
import { generateWithReplicate } from './generate.ts';
import {
  type ReplicateOptions,
  type ResolvedReplicateOptions,
  resolveReplicateOptions,
} from './options.ts';

/**
 * The Seedream provider backed by Replicate's official models: each job is one prediction,
 * followed to its end, whose output is downloaded at once.
 */
export function createReplicateProvider(options: ReplicateOptions): ImageProvider {
  const cfg = resolveReplicateOptions(options);
  return {
    id: 'replicate',
    describe: () => describeReplicate(cfg),
    generate: (job) => generateWithReplicate(job, cfg),
    close: () => closeQueueAdapter(cfg),
  };
}

/** The startup line: where requests go and how; never the token. */
export function describeReplicate(cfg: ResolvedReplicateOptions): string {
  const models = MODEL_IDS.map((m) => cfg.modelNames[m]).join(', ');
  const wait =
    cfg.preferWaitSeconds > 0 ? `Prefer: wait=${cfg.preferWaitSeconds}` : 'no Prefer: wait';
  return (
    `Replicate at ${cfg.baseUrl} (models ${models}; ${wait}, ` +
    `safety checker ${cfg.safetyChecker ? 'on' : 'off where switchable'}, ` +
    `sources as ${cfg.sendSourceUrls ? 'public URLs where known' : 'data URIs'}, ` +
    `poll every ${cfg.pollIntervalMs} ms, timeout ${Math.round(cfg.requestTimeoutMs / 1000)} s, ` +
    `${describeGuard(cfg, ['replicate']).replace(' per model', ' per account')})`
  );
}
