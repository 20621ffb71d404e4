import type { ModelId } from '../../contract/models.ts';
import {
  type QueueAdapterOptions,
  type ResolvedQueueAdapterOptions,
  resolveQueueAdapterOptions,
} from '../kit/options.ts';
import { REPLICATE_DEFAULT_BASE_URL, REPLICATE_MODELS } from './models.ts';

/**
 * Options of `createReplicateProvider`. Only `apiToken` and `log` are required.
 * `imagesPerMinute` (a number) bounds prediction creates for all models together: Replicate's
 * limit (600 a minute) is per account.
 */
export interface ReplicateOptions extends QueueAdapterOptions {
  /** `REPLICATE_API_TOKEN`, sent as `Authorization: Bearer …`. */
  readonly apiToken: string;
  /** Default `https://api.replicate.com/v1`. */
  readonly baseUrl?: string;
  /** `owner/name` of the model to run instead of the defaults, per public model. */
  readonly modelNames?: Partial<Record<ModelId, string>>;
  /** `Prefer: wait=N` (1–60) on create; 0 sends no `Prefer` and polls from the start. Default 60. */
  readonly preferWaitSeconds?: number;
  /** false sends `disable_safety_checker: true` where the model has it (4.5). Default true. */
  readonly safetyChecker?: boolean;
  /** Send a source's public URL instead of a data URI of its bytes. Default false. */
  readonly sendSourceUrls?: boolean;
}

export const REPLICATE_DEFAULTS = {
  baseUrl: REPLICATE_DEFAULT_BASE_URL,
  preferWaitSeconds: 60,
  safetyChecker: true,
  sendSourceUrls: false,
  imagesPerMinute: 600,
} as const;

export interface ResolvedReplicateOptions extends ResolvedQueueAdapterOptions {
  readonly apiToken: string;
  readonly baseUrl: string;
  readonly modelNames: Readonly<Record<ModelId, string>>;
  readonly preferWaitSeconds: number;
  readonly safetyChecker: boolean;
  readonly sendSourceUrls: boolean;
}

export function resolveReplicateOptions(o: ReplicateOptions): ResolvedReplicateOptions {
  return {
    ...resolveQueueAdapterOptions(o, REPLICATE_DEFAULTS.imagesPerMinute),
    apiToken: o.apiToken,
    baseUrl: (o.baseUrl ?? REPLICATE_DEFAULTS.baseUrl).replace(/\/+$/, ''),
    modelNames: { ...REPLICATE_MODELS, ...o.modelNames },
    preferWaitSeconds: Math.min(
      60,
      Math.max(0, Math.round(o.preferWaitSeconds ?? REPLICATE_DEFAULTS.preferWaitSeconds)),
    ),
    safetyChecker: o.safetyChecker ?? REPLICATE_DEFAULTS.safetyChecker,
    sendSourceUrls: o.sendSourceUrls ?? REPLICATE_DEFAULTS.sendSourceUrls,
  };
}
