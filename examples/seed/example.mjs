// The JavaScript/Node.js example of the Seedream "Image Generation" page, verbatim except:
//   - BASE_URL comes from $GOODTAKE_BASE_URL instead of "https://api.goodtake.ai"
//   - the blend example's image URL comes from $GOODTAKE_EXAMPLE_IMAGE_URL
//   - a wrapper at the end (outside the page's code) makes the exit code non-zero when any
//     example reported an error: the page's examples only log errors with console.error.
// Needs: Node.js 18+ (global fetch); GOODTAKE_API_KEY as on the page.
const GOODTAKE_API_KEY = process.env.GOODTAKE_API_KEY;
const BASE_URL = process.env.GOODTAKE_BASE_URL;

async function generateImage(prompt, options = {}) {
  const payload = {
    prompt,
    model: options.model || "seedream-4-5-251128",
    size: options.size || "2K",
    number_of_images: options.numberOfImages || 1,
    optimize_prompt_mode: options.optimizeMode || "standard",
    include_base64_encoding: options.includeBase64 || false,
    image_urls: options.imageUrls || []
  };

  const response = await fetch(`${BASE_URL}/api/v1/bytedance/generate-image`, {
    method: "POST",
    headers: {
      "Authorization": `Bearer ${GOODTAKE_API_KEY}`,
      "Content-Type": "application/json"
    },
    body: JSON.stringify(payload)
  });

  if (!response.ok) {
    const error = await response.json();
    throw new Error(`Error: ${error.error.message}`);
  }

  const data = await response.json();
  return data.data.images[0];
}

async function blendImage(prompt, imageUrl, model = "seedream-4-5-251128") {
  return generateImage(prompt, {
    model,
    imageUrls: [imageUrl]
  });
}

// Example 1: Basic generation
generateImage("A beautiful sunset over mountains")
  .then(image => console.log(`Generated: ${image.url}`))
  .catch(error => console.error(error));

// Example 2: Using latest model with widescreen size
generateImage("A cyberpunk street scene", {
  model: "seedream-4-5-251128",
  size: "2560x1440",
  optimizeMode: "creative"
})
  .then(image => console.log(`Generated: ${image.url}`))
  .catch(error => console.error(error));

// Example 3: With base64 encoding
generateImage("A futuristic robot", {
  includeBase64: true
})
  .then(image => {
    console.log(`URL: ${image.url}`);
    console.log(`Has base64: ${!!image.base64}`);
  })
  .catch(error => console.error(error));

// Example 4: Image blending
blendImage(
  "Add dramatic noir lighting",
  process.env.GOODTAKE_EXAMPLE_IMAGE_URL
)
  .then(image => console.log(`Edited: ${image.url}`))
  .catch(error => console.error(error));

// Not part of the page: the examples above only log their errors, so turn any logged error into
// a failing exit code. Their .catch handlers run later (after this line), so this sees them all.
const logError = console.error;
console.error = (...args) => {
  process.exitCode = 1;
  logError(...args);
};
