/** Example bodies of the native routes, as a real server answers them. */

const PROVENANCE = {
  content_credentials: true,
  xmp_metadata: true,
  digital_source_type: 'http://cv.iptc.org/newscodes/digitalsourcetype/trainedAlgorithmicMedia',
};

export const GENERATE_EXAMPLES = {
  'Text to image': {
    value: { prompt: 'A beautiful sunset over mountains' },
  },
  'Two widescreen images': {
    value: {
      prompt: 'A lighthouse on a rocky coast at dusk, cinematic lighting',
      model: 'seedream-4-5-251128',
      size: '2560x1440',
      number_of_images: 2,
      optimize_prompt_mode: 'creative',
    },
  },
  'Blend mode with base64': {
    value: {
      prompt: 'Turn this photo into a watercolour painting',
      model: 'seedream-4-0-250828',
      size: '1024x1024',
      image_urls: ['https://images.example.com/photos/harbour.jpg'],
      include_base64_encoding: true,
    },
  },
};

export const GENERATE_RESPONSE = {
  status: 'success',
  data: {
    images: [
      {
        url: 'https://goodtake.example.com/images/3pGzX0c1pQ9m2Yv8LrTq5Wb7.jpg',
        width: 2048,
        height: 2048,
      },
    ],
    generation_time_ms: 3420,
    model: 'seedream-4-5-251128',
    prompt: 'A beautiful sunset over mountains',
    id: 'gen_0mx55sb450008XKDQbNYu',
    credits_used: 4,
  },
};

export const ACCOUNT_EXAMPLE = {
  status: 'success',
  data: {
    id: 'acc_0mx4z1k2a000aB3dE5fG7',
    name: 'Acme',
    balance: 96,
    reserved: 8,
    available: 88,
    key: { id: 'key_0mx4z1k9q000Hj2Kl4Mn6', name: 'Production App', prefix: 'gt_AbCdEfGh' },
    limits: { requests_per_minute: 60, concurrent_generations: 4 },
    prices: { 'seedream-4-5-251128': 4, 'seedream-4-0-250828': 3 },
  },
};

export const GENERATIONS_EXAMPLE = {
  status: 'success',
  data: {
    generations: [
      {
        id: 'gen_0mx55sb450008XKDQbNYu',
        model: 'seedream-4-5-251128',
        size: '2560x1440',
        number_of_images: 2,
        images_delivered: 2,
        credits_reserved: 8,
        credits_charged: 8,
        status: 'succeeded',
        error_code: null,
        duration_ms: 3521,
        created_at: '2026-11-23T10:00:00.000Z',
        finished_at: '2026-11-23T10:00:03.521Z',
        user: 'customer-42',
        images: [
          {
            url: 'https://goodtake.example.com/images/3pGzX0c1pQ9m2Yv8LrTq5Wb7.jpg',
            width: 2560,
            height: 1440,
            ...PROVENANCE,
          },
          {
            url: 'https://goodtake.example.com/images/Vb8Qm2nK4pX7cL1tR9sW3yZ5.jpg',
            width: 2560,
            height: 1440,
            ...PROVENANCE,
          },
        ],
        attempts: [
          {
            index: 0,
            provider: 'modelark',
            upstream_model: 'seedream-4-5-251128',
            outcome: 'ok',
            latency_ms: 3104,
            upstream_request_id: '0217326a5c2e2b9f',
            estimated_cost_usd: 0.04,
          },
          {
            index: 1,
            provider: 'modelark',
            upstream_model: 'seedream-4-5-251128',
            outcome: 'unavailable',
            latency_ms: 412,
            upstream_request_id: '0217326a5c2e2ba3',
            estimated_cost_usd: 0,
          },
          {
            index: 1,
            provider: 'fal',
            upstream_model: 'fal-ai/bytedance/seedream/v4.5',
            outcome: 'ok',
            latency_ms: 2987,
            upstream_request_id: '764cabcf-b745-4b3e-ae38-1200304cf45b',
            estimated_cost_usd: 0.04,
          },
        ],
      },
    ],
    next_cursor: 'Z2VuXzBteDU1c2I0NTAwMDhYS0RRYk5ZdQ',
  },
};

export const MODELS_EXAMPLE = {
  status: 'success',
  data: {
    models: [
      {
        id: 'seedream-4-5-251128',
        name: 'Seedream 4.5',
        owned_by: 'bytedance',
        price_per_image: 4,
        sizes: [
          '1K',
          '2K',
          '4K',
          '2048x2048',
          '2304x1728',
          '1728x2304',
          '2560x1440',
          '1440x2560',
          '2496x1664',
          '1664x2496',
          '3024x1296',
        ],
        default_size: '2K',
        capabilities: {
          blend: true,
          max_source_images: 10,
          prompt_modes: ['standard', 'creative', 'precise'],
        },
        default: true,
        available: true,
      },
      {
        id: 'seedream-4-0-250828',
        name: 'Seedream 4.0',
        owned_by: 'bytedance',
        price_per_image: 3,
        sizes: [
          '1K',
          '2K',
          '4K',
          '512x512',
          '768x768',
          '1024x1024',
          '1024x768',
          '768x1024',
          '1920x1080',
          '1080x1920',
        ],
        default_size: '2K',
        capabilities: {
          blend: true,
          max_source_images: 10,
          prompt_modes: ['standard', 'creative', 'precise'],
        },
        default: false,
        available: true,
      },
    ],
  },
};
