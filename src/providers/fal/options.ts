import type { ModelId } from '../../contract/models.ts';
import {
  type QueueAdapterOptions,
  type ResolvedQueueAdapterOptions,
  resolveQueueAdapterOptions,
} from '../kit/options.ts';
import { FAL_DEFAULT_BASE_URL, FAL_ENDPOINTS, type FalEndpoints } from './models.ts';

/** Options of `createFalProvider`. Only `apiKey` and `log` are required. */
export interface FalOptions extends QueueAdapterOptions {
  /** `FAL_KEY`, sent as `Authorization: Key …`. */
  readonly apiKey: string;
  /** fal's queue host. Default `https://queue.fal.run`. */
  readonly baseUrl?: string;
  /** Endpoint ids to use instead of the defaults of research §3.1, per public model. */
  readonly endpointIds?: Partial<Record<ModelId, Partial<FalEndpoints>>>;
  /** `enable_safety_checker`. Default true. */
  readonly safetyChecker?: boolean;
  /** Send a source's public URL instead of a data URI of its bytes. Default false. */
  readonly sendSourceUrls?: boolean;
}

export const FAL_DEFAULTS = {
  baseUrl: FAL_DEFAULT_BASE_URL,
  safetyChecker: true,
  sendSourceUrls: false,
  /** fal documents no per-account image rate; the guard is off unless configured. */
  imagesPerMinute: 0,
} as const;

export interface ResolvedFalOptions extends ResolvedQueueAdapterOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly endpoints: Readonly<Record<ModelId, FalEndpoints>>;
  readonly safetyChecker: boolean;
  readonly sendSourceUrls: boolean;
}

export function resolveFalOptions(o: FalOptions): ResolvedFalOptions {
  const endpoints = Object.fromEntries(
    Object.entries(FAL_ENDPOINTS).map(([model, defaults]) => [
      model,
      { ...defaults, ...o.endpointIds?.[model as ModelId] },
    ]),
  ) as Record<ModelId, FalEndpoints>;
  return {
    ...resolveQueueAdapterOptions(o, FAL_DEFAULTS.imagesPerMinute),
    apiKey: o.apiKey,
    baseUrl: (o.baseUrl ?? FAL_DEFAULTS.baseUrl).replace(/\/+$/, ''),
    endpoints,
    safetyChecker: o.safetyChecker ?? FAL_DEFAULTS.safetyChecker,
    sendSourceUrls: o.sendSourceUrls ?? FAL_DEFAULTS.sendSourceUrls,
  };
}
