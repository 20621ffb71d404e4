// The Go example of the Seedream "Image Generation" page, verbatim except:
//   - BaseURL is a variable read from $GOODTAKE_BASE_URL instead of the constant
//     "https://api.goodtake.ai"
//   - the blend example's image URL comes from $GOODTAKE_EXAMPLE_IMAGE_URL
//
// Standard library only; GOODTAKE_API_KEY as on the page. Run: go run .
package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"os"
)

var BaseURL = os.Getenv("GOODTAKE_BASE_URL")

// SeedreamRequest represents the image generation request
type SeedreamRequest struct {
	Prompt                string   `json:"prompt"`
	Model                 string   `json:"model,omitempty"`
	NumberOfImages        int      `json:"number_of_images,omitempty"`
	Size                  string   `json:"size,omitempty"`
	OptimizePromptMode    string   `json:"optimize_prompt_mode,omitempty"`
	IncludeBase64Encoding bool     `json:"include_base64_encoding,omitempty"`
	ImageURLs             []string `json:"image_urls,omitempty"`
}

// Image represents a generated image
type Image struct {
	URL    string `json:"url"`
	Base64 string `json:"base64,omitempty"`
	Width  int    `json:"width"`
	Height int    `json:"height"`
}

// SeedreamResponse represents the API response
type SeedreamResponse struct {
	Status string `json:"status"`
	Data   struct {
		Images           []Image `json:"images"`
		GenerationTimeMs int     `json:"generation_time_ms"`
		Model            string  `json:"model"`
		Prompt           string  `json:"prompt"`
	} `json:"data"`
}

// GenerateImageOptions configures image generation
type GenerateImageOptions struct {
	Model              string
	Size               string
	NumberOfImages     int
	OptimizePromptMode string
	IncludeBase64      bool
	ImageURLs          []string
}

// DefaultOptions returns default generation options
func DefaultOptions() GenerateImageOptions {
	return GenerateImageOptions{
		Model:              "seedream-4-5-251128",
		Size:               "2K",
		NumberOfImages:     1,
		OptimizePromptMode: "standard",
		IncludeBase64:      false,
		ImageURLs:          []string{},
	}
}

// GenerateImage generates an image using the GoodTake AI API
func GenerateImage(ctx context.Context, prompt string, opts GenerateImageOptions) (*Image, error) {
	apiKey := os.Getenv("GOODTAKE_API_KEY")
	if apiKey == "" {
		return nil, fmt.Errorf("GOODTAKE_API_KEY environment variable not set")
	}

	reqBody := SeedreamRequest{
		Prompt:                prompt,
		Model:                 opts.Model,
		NumberOfImages:        opts.NumberOfImages,
		Size:                  opts.Size,
		OptimizePromptMode:    opts.OptimizePromptMode,
		IncludeBase64Encoding: opts.IncludeBase64,
		ImageURLs:             opts.ImageURLs,
	}

	jsonData, err := json.Marshal(reqBody)
	if err != nil {
		return nil, fmt.Errorf("failed to marshal request: %w", err)
	}

	req, err := http.NewRequestWithContext(
		ctx,
		"POST",
		BaseURL+"/api/v1/bytedance/generate-image",
		bytes.NewBuffer(jsonData),
	)
	if err != nil {
		return nil, fmt.Errorf("failed to create request: %w", err)
	}

	req.Header.Set("Authorization", "Bearer "+apiKey)
	req.Header.Set("Content-Type", "application/json")

	client := &http.Client{}
	resp, err := client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("request failed: %w", err)
	}
	defer resp.Body.Close()

	body, err := io.ReadAll(resp.Body)
	if err != nil {
		return nil, fmt.Errorf("failed to read response: %w", err)
	}

	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("API error (status %d): %s", resp.StatusCode, string(body))
	}

	var result SeedreamResponse
	if err := json.Unmarshal(body, &result); err != nil {
		return nil, fmt.Errorf("failed to parse response: %w", err)
	}

	if len(result.Data.Images) == 0 {
		return nil, fmt.Errorf("no images generated")
	}

	return &result.Data.Images[0], nil
}

// BlendImage edits an existing image based on a prompt
func BlendImage(ctx context.Context, prompt, imageURL string, model string) (*Image, error) {
	opts := DefaultOptions()
	opts.Model = model
	opts.ImageURLs = []string{imageURL}
	return GenerateImage(ctx, prompt, opts)
}

func main() {
	ctx := context.Background()

	// Example 1: Basic generation with latest model
	image, err := GenerateImage(ctx, "A beautiful sunset over mountains", DefaultOptions())
	if err != nil {
		panic(err)
	}
	fmt.Printf("Generated image: %s\n", image.URL)

	// Example 2: Using widescreen size
	opts := DefaultOptions()
	opts.Size = "2560x1440"
	image, err = GenerateImage(ctx, "A cyberpunk cityscape", opts)
	if err != nil {
		panic(err)
	}
	fmt.Printf("Generated with widescreen: %s\n", image.URL)

	// Example 3: With base64 encoding
	opts = DefaultOptions()
	opts.IncludeBase64 = true
	image, err = GenerateImage(ctx, "A futuristic robot", opts)
	if err != nil {
		panic(err)
	}
	fmt.Printf("URL: %s\n", image.URL)
	fmt.Printf("Has base64: %t\n", image.Base64 != "")

	// Example 4: Image blending
	edited, err := BlendImage(
		ctx,
		"Add dramatic noir lighting",
		os.Getenv("GOODTAKE_EXAMPLE_IMAGE_URL"),
		"seedream-4-5-251128",
	)
	if err != nil {
		panic(err)
	}
	fmt.Printf("Edited image: %s\n", edited.URL)
}
