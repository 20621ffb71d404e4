import { writeFile } from 'node:fs/promises';
import OpenAI, { toFile } from 'openai';

// Only the base URL and the key change: OPENAI_BASE_URL=http://localhost:8080/v1 and
// OPENAI_API_KEY=gt_... (or pass baseURL and apiKey to the constructor).
const client = new OpenAI();

const result = await client.images.generate({
  model: 'seedream-4-5-251128',
  prompt: 'A cosy reading nook with a cat, morning light',
  size: '1536x1024',
  n: 2,
  response_format: 'b64_json',
});
for (const [i, image] of (result.data ?? []).entries()) {
  await writeFile(`nook-${i + 1}.jpg`, Buffer.from(image.b64_json ?? '', 'base64'));
}

const edited = await client.images.edit({
  model: 'seedream-4-5-251128',
  image: await toFile(Buffer.from(result.data?.[0]?.b64_json ?? '', 'base64'), 'nook.jpg', {
    type: 'image/jpeg',
  }),
  prompt: 'The same room at night, lit by a single lamp',
  size: '1536x1024',
});
console.log(`Night version: ${edited.data?.[0]?.url}`);
