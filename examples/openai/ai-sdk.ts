import { writeFile } from 'node:fs/promises';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateImage } from 'ai';

const goodtake = createOpenAICompatible({
  name: 'goodtake',
  baseURL: `${process.env.GOODTAKE_BASE_URL ?? 'http://localhost:8080'}/v1`,
  apiKey: process.env.GOODTAKE_API_KEY,
});

const { images } = await generateImage({
  model: goodtake.imageModel('seedream-4-0-250828'),
  prompt: 'A lighthouse on a rocky coast at dusk',
  size: '1024x1024',
  n: 2,
  maxImagesPerCall: 4, // goodtake takes at most 4 images per request
  providerOptions: { goodtake: { user: 'customer-42' } },
});
for (const [i, image] of images.entries()) {
  await writeFile(`lighthouse-${i + 1}.jpg`, image.uint8Array);
}
console.log(`Saved ${images.length} images`);
