export { classifyFalError } from './errors.ts';
export { falImageSize } from './input.ts';
export {
  FAL_DEFAULT_BASE_URL,
  FAL_ENDPOINTS,
  FAL_MAX_SOURCES,
  FAL_SIZE_PROFILES,
  type FalEndpoints,
} from './models.ts';
export { FAL_DEFAULTS, type FalOptions } from './options.ts';
export { createFalProvider } from './provider.ts';
