import { boolFrom, intFrom } from '../../settings/env-fields.ts';
import type { ProviderContext } from '../plugin.ts';

/**
 * The settings every job-queue adapter (fal.ai, Replicate) reads under its own prefix:
 * `<P>_REQUEST_TIMEOUT_MS`, `<P>_POLL_INTERVAL_MS`, `<P>_MAX_RETRIES`, `<P>_IMAGES_PER_MINUTE`,
 * `<P>_MAX_QUEUE_MS`, `<P>_SAFETY_CHECKER`, `<P>_SEND_SOURCE_URLS`.
 */
export function queueSettingFields<P extends string>(prefix: P, defaultImagesPerMinute: number) {
  return {
    [`${prefix}_REQUEST_TIMEOUT_MS`]: intFrom(`${prefix}_REQUEST_TIMEOUT_MS`, 300_000, 1000),
    [`${prefix}_POLL_INTERVAL_MS`]: intFrom(`${prefix}_POLL_INTERVAL_MS`, 1000, 1),
    [`${prefix}_MAX_RETRIES`]: intFrom(`${prefix}_MAX_RETRIES`, 3, 0),
    [`${prefix}_IMAGES_PER_MINUTE`]: intFrom(
      `${prefix}_IMAGES_PER_MINUTE`,
      defaultImagesPerMinute,
      0,
    ),
    [`${prefix}_MAX_QUEUE_MS`]: intFrom(`${prefix}_MAX_QUEUE_MS`, 10_000, 0),
    [`${prefix}_SAFETY_CHECKER`]: boolFrom(`${prefix}_SAFETY_CHECKER`, true),
    [`${prefix}_SEND_SOURCE_URLS`]: boolFrom(`${prefix}_SEND_SOURCE_URLS`, false),
  } as const;
}

/** The parsed queue settings of one adapter. */
export interface QueueSettings {
  readonly requestTimeoutMs: number;
  readonly pollIntervalMs: number;
  readonly maxRetries: number;
  readonly imagesPerMinute: number;
  readonly maxQueueMs: number;
  readonly safetyChecker: boolean;
  readonly sendSourceUrls: boolean;
}

/** Reads the fields of `queueSettingFields(prefix)` from a parsed environment. */
export function queueSettings(prefix: string, e: Readonly<Record<string, unknown>>): QueueSettings {
  const n = (name: string) => e[`${prefix}_${name}`] as number;
  const b = (name: string) => e[`${prefix}_${name}`] as boolean;
  return {
    requestTimeoutMs: n('REQUEST_TIMEOUT_MS'),
    pollIntervalMs: n('POLL_INTERVAL_MS'),
    maxRetries: n('MAX_RETRIES'),
    imagesPerMinute: n('IMAGES_PER_MINUTE'),
    maxQueueMs: n('MAX_QUEUE_MS'),
    safetyChecker: b('SAFETY_CHECKER'),
    sendSourceUrls: b('SEND_SOURCE_URLS'),
  };
}

/**
 * What every job-queue adapter's factory takes from its queue settings and the composition
 * root: the settings themselves, the throughput guard shared through Redis when there is one
 * (one per adapter, every model under its limit), and the logger.
 */
export function queueAdapterOptions(s: QueueSettings, context: ProviderContext) {
  const guard = context.sharedGuard({
    limitFor: () => s.imagesPerMinute,
    maxQueueMs: s.maxQueueMs,
  });
  return {
    safetyChecker: s.safetyChecker,
    sendSourceUrls: s.sendSourceUrls,
    requestTimeoutMs: s.requestTimeoutMs,
    pollIntervalMs: s.pollIntervalMs,
    maxRetries: s.maxRetries,
    imagesPerMinute: s.imagesPerMinute,
    maxQueueMs: s.maxQueueMs,
    ...(guard ? { guard } : {}),
    log: context.log,
  };
}
