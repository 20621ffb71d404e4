import type { Logger } from 'pino';
import type { ModelId } from '../../contract/models.ts';
import { createUndiciClient, type HttpClient } from '../kit/http-client.ts';
import type { UpstreamOptions } from '../kit/options.ts';
import { realSleep, type Sleep } from '../kit/sleep.ts';
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
  downloadTimeoutMs: 60_000,
  maxDownloadBytes: 32 * 1024 * 1024,
  maxRetries: 3,
  retryBaseMs: 1_000,
  retryMaxMs: 20_000,
  imagesPerMinute: 500,
  maxQueueMs: 10_000,
  downloadConcurrency: 32,
} as const;

/** The options with every default applied. */
export interface ResolvedModelArkOptions {
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
  readonly downloadTimeoutMs: number;
  readonly maxDownloadBytes: number;
  readonly maxRetries: number;
  readonly retryBaseMs: number;
  readonly retryMaxMs: number;
  readonly imagesPerMinute: (model: string) => number;
  readonly maxQueueMs: number;
  readonly downloadConcurrency: number;
  readonly http: HttpClient;
  readonly sleep: Sleep;
  readonly random: () => number;
  readonly now: () => number;
  readonly log: Logger;
}

/** Applies the defaults. */
export function resolveModelArkOptions(o: ModelArkOptions): ResolvedModelArkOptions {
  const d = MODELARK_DEFAULTS;
  const baseUrl = (o.baseUrl ?? d.baseUrl).replace(/\/+$/, '');
  const ipm = o.imagesPerMinute ?? d.imagesPerMinute;
  return {
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
    downloadTimeoutMs: o.downloadTimeoutMs ?? d.downloadTimeoutMs,
    maxDownloadBytes: o.maxDownloadBytes ?? d.maxDownloadBytes,
    maxRetries: Math.max(0, o.maxRetries ?? d.maxRetries),
    retryBaseMs: o.retryBaseMs ?? d.retryBaseMs,
    retryMaxMs: o.retryMaxMs ?? d.retryMaxMs,
    imagesPerMinute:
      typeof ipm === 'number'
        ? () => ipm
        : (model) => (ipm as Partial<Record<string, number>>)[model] ?? d.imagesPerMinute,
    maxQueueMs: o.maxQueueMs ?? d.maxQueueMs,
    downloadConcurrency: Math.max(1, o.downloadConcurrency ?? d.downloadConcurrency),
    http: o.http ?? createUndiciClient(),
    sleep: o.sleep ?? realSleep,
    random: o.random ?? Math.random,
    now: o.now ?? Date.now,
    log: o.log,
  };
}
