/**
 * Type-level tests, checked by `tsc -p packages/sdk` (never run). Each `@ts-expect-error`
 * must meet an error, or the typecheck fails.
 */
import {
  type AccountInfo,
  type ApiResponse,
  type Generation,
  type GoodTake,
  type ImageGenerateParams,
  type ImageSize,
  type ImagesResponse,
  isImageSize,
} from '../src/index.ts';

declare const client: GoodTake;

export async function modelsAndSizes(): Promise<void> {
  // Model omitted: Seedream 4.5, so 4.5 sizes.
  await client.images.generate({ prompt: 'p' });
  await client.images.generate({ prompt: 'p', size: '2560x1440' });
  await client.images.generate({ prompt: 'p', model: 'seedream-4-5-251128', size: '4K' });
  await client.images.generate({ prompt: 'p', model: 'seedream-4-0-250828', size: '1024x1024' });
  await client.images.generate({ prompt: 'p', model: 'seedream-4-0-250828', size: '2K' });

  // @ts-expect-error 1024x1024 is a 4.0 size.
  await client.images.generate({ prompt: 'p', model: 'seedream-4-5-251128', size: '1024x1024' });
  // @ts-expect-error no model means 4.5, and 512x512 is a 4.0 size.
  await client.images.generate({ prompt: 'p', size: '512x512' });
  // @ts-expect-error 2560x1440 is a 4.5 size.
  await client.images.generate({ prompt: 'p', model: 'seedream-4-0-250828', size: '2560x1440' });
  // @ts-expect-error unknown model.
  await client.images.generate({ prompt: 'p', model: 'seedream-3-0' });
  // @ts-expect-error unknown size.
  await client.images.generate({ prompt: 'p', size: '800x600' });
  // @ts-expect-error prompt is required.
  await client.images.generate({ size: '2K' });
  // @ts-expect-error optimize_prompt_mode is a closed set.
  await client.images.generate({ prompt: 'p', optimize_prompt_mode: 'fast' });
  // @ts-expect-error camelCase is not the wire name.
  await client.images.generate({ prompt: 'p', numberOfImages: 2 });
}

export function sizeNarrowing(input: string): ImageGenerateParams | undefined {
  const legacy: ImageSize<'seedream-4-0-250828'> = '768x1024';
  // @ts-expect-error a 4.5 size is not a 4.0 size.
  const wrong: ImageSize<'seedream-4-0-250828'> = '2048x2048';
  if (isImageSize('seedream-4-0-250828', input)) {
    return { prompt: 'p', model: 'seedream-4-0-250828', size: input };
  }
  void legacy;
  void wrong;
  return undefined;
}

export async function responses(): Promise<void> {
  const result: ImagesResponse = await client.images.generate({ prompt: 'p' });
  const width: number = result.images[0]!.width;
  const bytes: Uint8Array = await result.images[0]!.bytes();
  const full: ApiResponse<ImagesResponse> = await client.images
    .generate({ prompt: 'p' })
    .withResponse();
  const account: AccountInfo = await client.account.retrieve();
  for await (const g of client.generations.list({ limit: 5 })) {
    const status: Generation['status'] = g.status;
    // @ts-expect-error status is a closed set.
    const other: typeof g.status = 'cancelled';
    void status;
    void other;
  }
  // @ts-expect-error limit is a number.
  client.generations.list({ limit: '5' });
  void [width, bytes, full, account];
}
