import { falPlugin } from './fal/plugin.ts';
import { modelArkPlugin } from './modelark/plugin.ts';
import { offlinePlugin } from './offline/plugin.ts';
import type { AnyProviderPlugin } from './plugin.ts';
import { replicatePlugin } from './replicate/plugin.ts';

/**
 * Every provider goodtake knows, in the order the default catalog routes to them (the first
 * with credentials serves, the next ones take over when it is unavailable). The offline
 * provider comes last: the default catalog uses it only when no upstream has credentials.
 * Adding a provider: a folder with its adapter and a `plugin.ts`, and one line here.
 */
export const PROVIDER_PLUGINS: readonly AnyProviderPlugin[] = [
  modelArkPlugin,
  falPlugin,
  replicatePlugin,
  offlinePlugin,
];

export const OFFLINE_PROVIDER_ID = offlinePlugin.id;

export function findPlugin(id: string): AnyProviderPlugin | undefined {
  return PROVIDER_PLUGINS.find((p) => p.id === id);
}
