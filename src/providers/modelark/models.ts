import type { ModelId } from '../../contract/models.ts';

/** Which Ark deployment: BytePlus ModelArk (international) or Volcengine Ark (mainland China). */
export type ArkFlavor = 'byteplus' | 'volcengine';

export const DEFAULT_BASE_URL = 'https://ark.ap-southeast.bytepluses.com/api/v3';

/** Volcengine hosts live under volces.com; everything else is treated as BytePlus. */
export function flavorFromBaseUrl(baseUrl: string): ArkFlavor {
  let host: string;
  try {
    host = new URL(baseUrl).hostname.toLowerCase();
  } catch {
    return 'byteplus';
  }
  return host === 'volces.com' || host.endsWith('.volces.com') ? 'volcengine' : 'byteplus';
}

/** The upstream model id: Volcengine names the same models with a `doubao-` prefix. */
export function upstreamModelId(model: ModelId, flavor: ArkFlavor): string {
  return flavor === 'volcengine' ? `doubao-${model}` : model;
}
