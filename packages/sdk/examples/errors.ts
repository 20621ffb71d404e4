import { GoodTake, GoodTakeError, InsufficientCreditsError, RateLimitError } from '@goodtake/sdk';

// 429, 502, 503, 504 and dropped connections are retried for you (here up to 3 times).
const client = new GoodTake({ maxRetries: 3, timeout: 5 * 60 * 1000 });

try {
  const { images } = await client.images.generate(
    { prompt: 'A futuristic robot in a laboratory', size: '4K' },
    // Your own key makes re-running this script safe: the server replays, never charges twice.
    { idempotencyKey: 'robot-poster-v1' },
  );
  console.log(images[0]?.url);
} catch (err) {
  if (err instanceof InsufficientCreditsError) {
    console.error('Out of credits: top up, then run this again.');
  } else if (err instanceof RateLimitError) {
    console.error(`Rate limited: try again in ${err.retryAfter} s.`);
  } else if (err instanceof GoodTakeError) {
    console.error(`${err.name} ${err.code} (request ${err.requestId}): ${err.message}`);
  } else {
    throw err;
  }
  process.exitCode = 1;
}
