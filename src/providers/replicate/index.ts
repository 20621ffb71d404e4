export { classifyCreateError, classifyFailedPrediction } from './errors.ts';
export { replicateSize } from './input.ts';
export {
  REPLICATE_DEFAULT_BASE_URL,
  REPLICATE_MODELS,
  REPLICATE_PROFILES,
} from './models.ts';
export { REPLICATE_DEFAULTS, type ReplicateOptions } from './options.ts';
export { createReplicateProvider } from './provider.ts';
