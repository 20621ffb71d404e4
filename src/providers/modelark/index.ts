export {
  createMemoryThroughputGuard,
  type MemoryThroughputGuardOptions,
} from './memory-throughput-guard.ts';
export type { ArkFlavor } from './models.ts';
export { MODELARK_DEFAULTS, type ModelArkOptions } from './options.ts';
export { createModelArkProvider } from './provider.ts';
export {
  createRedisThroughputGuard,
  type RedisThroughputGuardOptions,
} from './redis-throughput-guard.ts';
export { PROMPT_DIRECTIVES, upstreamPrompt } from './request-body.ts';
export type { Sleep } from './sleep.ts';
export type { ThroughputDecision, ThroughputGuard } from './throughput-guard.ts';
