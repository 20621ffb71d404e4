export {
  createMemoryThroughputGuard,
  type MemoryThroughputGuardOptions,
} from '../kit/memory-throughput-guard.ts';
export {
  createRedisThroughputGuard,
  type RedisThroughputGuardOptions,
} from '../kit/redis-throughput-guard.ts';
export type { Sleep } from '../kit/sleep.ts';
export type { ThroughputDecision, ThroughputGuard } from '../kit/throughput-guard.ts';
export type { ArkFlavor } from './models.ts';
export { MODELARK_DEFAULTS, type ModelArkOptions } from './options.ts';
export { createModelArkProvider } from './provider.ts';
export { PROMPT_DIRECTIVES, upstreamPrompt } from './request-body.ts';
