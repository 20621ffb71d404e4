import { GoodTake } from '@goodtake/sdk';

const client = new GoodTake();
const since = new Date(Date.now() - 24 * 60 * 60 * 1000);

// `for await` walks every page of the usage log, newest first.
let credits = 0;
let images = 0;
for await (const generation of client.generations.list({ since, limit: 100 })) {
  credits += generation.credits_charged;
  images += generation.images_delivered;
}
const account = await client.account.retrieve();
console.log(`Last 24 h: ${images} images, ${credits} credits. ${account.available} available.`);
