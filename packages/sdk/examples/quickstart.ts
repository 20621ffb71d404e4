import { GoodTake } from '@goodtake/sdk';
import { saveImage } from '@goodtake/sdk/node';

// Reads GOODTAKE_API_KEY, and GOODTAKE_BASE_URL for your own goodtake server.
const client = new GoodTake();

const result = await client.images.generate({
  prompt: 'A beautiful sunset over mountains, wide landscape',
  size: '2560x1440',
  number_of_images: 2,
});

for (const [i, image] of result.images.entries()) {
  await saveImage(image, `sunset-${i + 1}.jpg`);
  console.log(`sunset-${i + 1}.jpg: ${image.width}x${image.height} ${image.url}`);
}
console.log(`Used ${result.credits_used} credits in ${result.generation_time_ms} ms`);
