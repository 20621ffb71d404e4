import type { ModelId } from '../../contract/models.ts';
import {
  type ResolvedUpstreamOptions,
  resolveUpstreamOptions,
  UPSTREAM_DEFAULTS,
  type UpstreamOptions,
} from '../kit/options.ts';
import { type ArkFlavor, DEFAULT_BASE_URL, flavorFromBaseUrl } from './models.ts';

/** Options of `createModelArkProvider`. Only `apiKey` and `log` are required. */
export interface ModelArkOptions extends UpstreamOptions {
  readonly apiKey: string;
  /** Default `https://ark.ap-southeast.bytepluses.com/api/v3`. */
  readonly baseUrl?: string;
  /** Default: `volcengine` when the base URL host is under volces.com, else `byteplus`. */
  readonly flavor?: ArkFlavor;
  /** Upstream ids to use instead of the flavor's model ids, for example `ep-…` endpoint ids. */
  readonly modelIds?: Partial<Record<ModelId, string>>;
  /** The upstream's visible "AI generated" mark. Default false. */
  readonly watermark?: boolean;
  /** How the upstream returns images. Default `url` (downloaded at once). */
  readonly responseFormat?: 'url' | 'b64_json';
  /** Ask for a server-sent-event reply. Default false. */
  readonly stream?: boolean;
  /** Send a source's public URL instead of a data URI of its bytes. Default false. */
  readonly sendSourceUrls?: boolean;
  /** Per upstream call, until the image is announced. Default 180000. */
  readonly requestTimeoutMs?: number;
}

export const MODELARK_DEFAULTS = {
  baseUrl: DEFAULT_BASE_URL,
  watermark: false,
  responseFormat: 'url',
  stream: false,
  sendSourceUrls: false,
  requestTimeoutMs: 180_000,
  imagesPerMinute: 500,
  ...UPSTREAM_DEFAULTS,
} as const;

/** The options with every default applied. */
export interface ResolvedModelArkOptions extends ResolvedUpstreamOptions {
  readonly apiKey: string;
  readonly baseUrl: string;
  readonly endpoint: string;
  readonly flavor: ArkFlavor;
  readonly modelIds: Partial<Record<ModelId, string>>;
  readonly watermark: boolean;
  readonly responseFormat: 'url' | 'b64_json';
  readonly stream: boolean;
  readonly sendSourceUrls: boolean;
  readonly requestTimeoutMs: number;
}

/** Applies the defaults. */
export function resolveModelArkOptions(o: ModelArkOptions): ResolvedModelArkOptions {
  const d = MODELARK_DEFAULTS;
  const baseUrl = (o.baseUrl ?? d.baseUrl).replace(/\/+$/, '');
  return {
    ...resolveUpstreamOptions(o, d.imagesPerMinute),
    apiKey: o.apiKey,
    baseUrl,
    endpoint: `${baseUrl}/images/generations`,
    flavor: o.flavor ?? flavorFromBaseUrl(baseUrl),
    modelIds: { ...o.modelIds },
    watermark: o.watermark ?? d.watermark,
    responseFormat: o.responseFormat ?? d.responseFormat,
    stream: o.stream ?? d.stream,
    sendSourceUrls: o.sendSourceUrls ?? d.sendSourceUrls,
    requestTimeoutMs: o.requestTimeoutMs ?? d.requestTimeoutMs,
  };
}
