import { z } from 'zod';
import { optionalString, optionalUrl } from '../../settings/env-fields.ts';
import {
  type QueueSettings,
  queueAdapterOptions,
  queueSettingFields,
  queueSettings,
} from '../kit/queue-settings.ts';
import { type ProviderPlugin, sizeOverLimits } from '../plugin.ts';
import { FAL_ENDPOINTS, FAL_SIZE_PROFILES } from './models.ts';

/** The FAL_* settings (README configuration table). */
export interface FalSettings extends QueueSettings {
  readonly apiKey: string;
  readonly baseUrl: string | undefined;
}

const settingsSchema = z
  .object({
    FAL_KEY: optionalString,
    FAL_BASE_URL: optionalUrl('FAL_BASE_URL'),
    ...queueSettingFields('FAL', 0),
  })
  .transform((e): FalSettings | undefined =>
    e.FAL_KEY === undefined
      ? undefined
      : { apiKey: e.FAL_KEY, baseUrl: e.FAL_BASE_URL, ...queueSettings('FAL', e) },
  );

/** A route's fal id is the endpoint family: `<id>/text-to-image` and `<id>/edit` are called. */
export const falEndpointFamily = (textToImage: string) =>
  textToImage.replace(/\/text-to-image$/, '');

/** fal.ai's queue API (docs/providers.md). */
export const falPlugin: ProviderPlugin<FalSettings> = {
  id: 'fal',
  name: 'fal.ai',
  settingsSchema,
  credentialVariable: 'FAL_KEY',
  defaultUpstreamModel: (profile) => falEndpointFamily(FAL_ENDPOINTS[profile].textToImage),
  // fal's listed prices (research §3.1).
  costPerImageUsd: { 'seedream-4-5-251128': 0.04, 'seedream-4-0-250828': 0.03 },
  sizeProblem: (profile, size) => sizeOverLimits(size, FAL_SIZE_PROFILES[profile].limits, 'fal.ai'),
  async create(s, context) {
    const { createFalProvider } = await import('./provider.ts');
    return createFalProvider({
      apiKey: s.apiKey,
      ...(s.baseUrl ? { baseUrl: s.baseUrl } : {}),
      ...queueAdapterOptions(s, context),
    });
  },
};
