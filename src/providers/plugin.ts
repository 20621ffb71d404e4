import type { z } from 'zod';
import type { ModelId } from '../contract/models.ts';
import type { Dimensions } from '../contract/sizes.ts';
import type { Logger } from '../log.ts';
import type { ThroughputGuard } from './kit/throughput-guard.ts';
import type { ImageProvider } from './provider.ts';

/** What a provider reads from the environment: its parsed settings, or none (no credentials). */
export type EnvReader = Readonly<Record<string, string | undefined>>;

/** What the composition root hands every provider factory. */
export interface ProviderContext {
  readonly log: Logger;
  /**
   * A throughput guard shared by every replica (Redis), when Redis is configured; undefined
   * means the provider keeps its own in-process guard.
   */
  sharedGuard(options: {
    readonly limitFor: (model: string) => number;
    readonly maxQueueMs: number;
  }): ThroughputGuard | undefined;
}

/**
 * One upstream as the rest of goodtake sees it. Each provider folder exports one of these from
 * its `plugin.ts`, and src/providers/registry.ts lists them: adding a provider is a new folder
 * and one line there. The plugin module stays light (settings and tables only); `create` loads
 * the adapter and its HTTP client when the provider is configured.
 */
export interface ProviderPlugin<S = unknown> {
  /** The id catalog routes name (`modelark`, `fal`, ...). */
  readonly id: string;
  /** Human name for messages and the startup log. */
  readonly name: string;
  /** The environment variables this provider reads, with their checks (zod). */
  readonly settingsSchema: z.ZodType<S | undefined, EnvReader>;
  /** The variable whose absence leaves the provider unconfigured (named in messages). */
  readonly credentialVariable: string | undefined;
  /**
   * The provider's model or endpoint id of each seed model (the routes of the default
   * catalog), given its settings.
   */
  defaultUpstreamModel(profile: ModelId, settings: S): string;
  /** Estimated upstream cost in USD of one delivered image, per seed model (the price table). */
  readonly costPerImageUsd: Readonly<Record<ModelId, number>>;
  /**
   * Why this route cannot deliver an exact `width`x`height` for a model of this profile, even
   * by generating larger and resizing; undefined when it can.
   */
  sizeProblem(profile: ModelId, size: Dimensions): string | undefined;
  /** A warning for the startup log when the provider serves (e.g. offline: synthetic images). */
  readonly startupWarning?: string;
  /** Builds the adapter (importing its code now). */
  create(settings: S, context: ProviderContext): Promise<ImageProvider>;
}

/** A plugin with its settings type forgotten, as the registry holds it. */
// biome-ignore lint/suspicious/noExplicitAny: the registry holds plugins of every settings type
export type AnyProviderPlugin = ProviderPlugin<any>;

/** A configured provider: its plugin and the settings read for it. */
export interface ConfiguredProvider {
  readonly plugin: AnyProviderPlugin;
  readonly settings: unknown;
}

/** Shared size rule: within an upstream's largest side and pixel count (it can always shrink). */
export function sizeOverLimits(
  size: Dimensions,
  limits: { readonly maxSide: number; readonly maxPixels: number; readonly maxAspect?: number },
  upstream: string,
): string | undefined {
  const { width, height } = size;
  if (Math.max(width, height) > limits.maxSide) {
    return `${upstream} makes at most ${limits.maxSide} pixels a side`;
  }
  if (width * height > limits.maxPixels) {
    return `${upstream} makes at most ${limits.maxPixels} pixels an image`;
  }
  const aspect = Math.max(width / height, height / width);
  if (limits.maxAspect !== undefined && aspect > limits.maxAspect) {
    return `${upstream} makes aspect ratios up to ${limits.maxAspect}:1`;
  }
  return undefined;
}
