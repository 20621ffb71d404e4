#!/usr/bin/env bash
# The five curl examples of the Seedream "Image Generation" page, verbatim except:
#   - https://api.goodtake.ai      -> $GOODTAKE_BASE_URL
#   - the API key                  -> $GOODTAKE_API_KEY (the first example hard-codes
#                                     gt_your_api_key_here on the page)
#   - the blend example's image    -> $GOODTAKE_EXAMPLE_IMAGE_URL
# Each response is piped through `check`, which fails the script unless it is a success.
set -euo pipefail

: "${GOODTAKE_BASE_URL:?set GOODTAKE_BASE_URL, e.g. http://localhost:8080}"
: "${GOODTAKE_API_KEY:?set GOODTAKE_API_KEY to a gt_... key}"
: "${GOODTAKE_EXAMPLE_IMAGE_URL:?set GOODTAKE_EXAMPLE_IMAGE_URL to an http(s) URL of a JPEG/PNG/WebP}"

if ! command -v node >/dev/null 2>&1 && ! command -v python3 >/dev/null 2>&1; then
  echo "curl.sh needs node or python3 to check the responses" >&2
  exit 1
fi

# check NAME: reads a response body on stdin (a base64 response is far larger than a command-line
# argument may be); prints "NAME: success <url>..." (plus " (with base64)" when every image
# carries a data URI) or prints the body and fails.
check() {
  if command -v node >/dev/null 2>&1; then
    CHECK_NAME="$1" node -e '
      const name = process.env.CHECK_NAME;
      const body = require("node:fs").readFileSync(0, "utf8");
      let r;
      try { r = JSON.parse(body); } catch { r = undefined; }
      if (r?.status !== "success" || !Array.isArray(r.data?.images) || r.data.images.length === 0) {
        console.error(`${name}: FAILED: ${body.slice(0, 2000)}`);
        process.exit(1);
      }
      const b64 = r.data.images.every((i) => typeof i.base64 === "string" && i.base64.startsWith("data:image/"));
      console.log(`${name}: success ${r.data.images.map((i) => i.url).join(" ")}${b64 ? " (with base64)" : ""}`);
    '
  else
    CHECK_NAME="$1" python3 -c '
import json, os, sys
name = os.environ["CHECK_NAME"]
body = sys.stdin.read()
try:
    r = json.loads(body)
except ValueError:
    r = None
if not isinstance(r, dict) or r.get("status") != "success" or not (r.get("data") or {}).get("images"):
    sys.exit(f"{name}: FAILED: {body[:2000]}")
b64 = all(str(i.get("base64", "")).startswith("data:image/") for i in r["data"]["images"])
print(f"{name}: success " + " ".join(i["url"] for i in r["data"]["images"]) + (" (with base64)" if b64 else ""))
'
  fi
}

# Basic Image Generation
curl -X POST $GOODTAKE_BASE_URL/api/v1/bytedance/generate-image \
  -H "Authorization: Bearer $GOODTAKE_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "prompt": "A beautiful sunset over mountains"
  }' | check "Basic Image Generation"

# Using Latest Model with Custom Size
curl -X POST $GOODTAKE_BASE_URL/api/v1/bytedance/generate-image \
  -H "Authorization: Bearer $GOODTAKE_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "prompt": "A cyberpunk cityscape with neon lights and flying cars",
    "model": "seedream-4-5-251128",
    "size": "2560x1440",
    "number_of_images": 2,
    "optimize_prompt_mode": "creative"
  }' | check "Using Latest Model with Custom Size"

# Using Legacy Model
curl -X POST $GOODTAKE_BASE_URL/api/v1/bytedance/generate-image \
  -H "Authorization: Bearer $GOODTAKE_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "prompt": "A serene forest path with morning mist",
    "model": "seedream-4-0-250828",
    "size": "1024x1024"
  }' | check "Using Legacy Model"

# With Base64 Encoding
curl -X POST $GOODTAKE_BASE_URL/api/v1/bytedance/generate-image \
  -H "Authorization: Bearer $GOODTAKE_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "prompt": "A futuristic robot in a laboratory",
    "model": "seedream-4-5-251128",
    "include_base64_encoding": true
  }' | check "With Base64 Encoding"

# Image Blending/Editing
curl -X POST $GOODTAKE_BASE_URL/api/v1/bytedance/generate-image \
  -H "Authorization: Bearer $GOODTAKE_API_KEY" \
  -H "Content-Type: application/json" \
  -d '{
    "prompt": "Transform into a dramatic noir style with high contrast",
    "model": "seedream-4-5-251128",
    "image_urls": ["'"$GOODTAKE_EXAMPLE_IMAGE_URL"'"]
  }' | check "Image Blending/Editing"
