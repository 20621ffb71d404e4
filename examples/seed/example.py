# The Python example of the Seedream "Image Generation" page, verbatim except:
#   - BASE_URL comes from $GOODTAKE_BASE_URL instead of "https://api.goodtake.ai"
#   - the blend example's image URL comes from $GOODTAKE_EXAMPLE_IMAGE_URL
# Needs: python3 and `requests`; GOODTAKE_API_KEY as on the page.
import requests
import os
import base64

API_KEY = os.environ.get("GOODTAKE_API_KEY")
BASE_URL = os.environ["GOODTAKE_BASE_URL"]

def generate_image(prompt, model="seedream-4-5-251128", size="2K",
                   include_base64=False):
    """Generate an image using GoodTake AI"""
    response = requests.post(
        f"{BASE_URL}/api/v1/bytedance/generate-image",
        headers={
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json"
        },
        json={
            "prompt": prompt,
            "model": model,
            "size": size,
            "number_of_images": 1,
            "optimize_prompt_mode": "standard",
            "include_base64_encoding": include_base64
        }
    )
    response.raise_for_status()
    data = response.json()
    return data["data"]["images"][0]

def blend_image(prompt, image_url, model="seedream-4-5-251128"):
    """Blend/edit an existing image"""
    response = requests.post(
        f"{BASE_URL}/api/v1/bytedance/generate-image",
        headers={
            "Authorization": f"Bearer {API_KEY}",
            "Content-Type": "application/json"
        },
        json={
            "prompt": prompt,
            "model": model,
            "image_urls": [image_url],
            "number_of_images": 1
        }
    )
    response.raise_for_status()
    data = response.json()
    return data["data"]["images"][0]

# Example 1: Basic generation
image = generate_image("A beautiful sunset over mountains")
print(f"Generated image URL: {image['url']}")

# Example 2: Using legacy model
image = generate_image(
    "A serene forest path",
    model="seedream-4-0-250828"
)
print(f"Generated with legacy model: {image['url']}")

# Example 3: With base64 encoding
image = generate_image(
    "A futuristic cityscape",
    include_base64=True
)
print(f"URL: {image['url']}")
print(f"Has base64: {'base64' in image}")

# Example 4: Image blending
edited = blend_image(
    "Add dramatic sunset lighting",
    os.environ["GOODTAKE_EXAMPLE_IMAGE_URL"]
)
print(f"Edited image: {edited['url']}")
