import { describe, expect, it } from 'vitest';
import { dataUri, M40, M45, post } from './fake-client.ts';
import { startFake } from './helpers.ts';

describe('fake ModelArk: what it refuses, like the real API', () => {
  it('answers a missing or wrong key with 401 AuthenticationError', async () => {
    const fake = await startFake();
    for (const key of [null, 'wrong']) {
      const r = await post(fake, { model: M45, prompt: 'x' }, key);
      expect(r.status).toBe(401);
      expect(r.headers.get('x-error-code')).toBe('AuthN_MissOrInvalidAuthorizationHeader');
      expect(r.headers.get('x-request-id')).toMatch(/^021/);
      expect(r.json).toEqual({
        error: {
          code: 'AuthenticationError',
          message: expect.stringMatching(
            /^the API key or AK\/SK in the request is missing or invalid\. Request id: 021/,
          ),
          param: '',
          type: 'Unauthorized',
        },
      });
    }
  });

  it('refuses bad parameters with the upstream codes and shapes', async () => {
    const fake = await startFake();
    const cases: Array<[unknown, number, string, RegExp?]> = [
      [{ prompt: 'x' }, 400, 'MissingParameter'],
      [{ model: M45 }, 400, 'MissingParameter'],
      [{ model: M45, prompt: '' }, 400, 'MissingParameter'],
      ['{not json', 400, 'InvalidParameter'],
      [{ model: 'seedream-9-0', prompt: 'x' }, 404, 'InvalidEndpointOrModel.NotFound'],
      [
        { model: M45, prompt: 'x', size: '1K' },
        400,
        'InvalidParameter',
        /`size` specified in the request is not valid: the specified size is not supported for model seedream-4-5\. Request id/,
      ],
      [{ model: M45, prompt: 'x', size: 'adaptive' }, 400, 'InvalidParameter'],
      [
        { model: M45, prompt: 'x', size: '1500x1500' },
        400,
        'InvalidParameter',
        /image size must be at least 3686400 pixels/,
      ],
      [
        { model: M40, prompt: 'x', size: '800x800' },
        400,
        'InvalidParameter',
        /at least 921600 pixels/,
      ],
      [{ model: M40, prompt: 'x', size: '512X512' }, 400, 'InvalidParameter'],
      [{ model: M40, prompt: 'x', size: '5000x5000' }, 400, 'InvalidParameter', /at most 16777216/],
      [{ model: M40, prompt: 'x', size: '16384x960' }, 400, 'InvalidParameter', /aspect ratio/],
      [{ model: M45, prompt: 'x', seed: 42 }, 400, 'InvalidParameter', /`seed`/],
      [{ model: M45, prompt: 'x', guidance_scale: 5 }, 400, 'InvalidParameter', /`guidance_scale`/],
      [{ model: M45, prompt: 'x', n: 2 }, 400, 'InvalidParameter', /`n`/],
      [{ model: M45, prompt: 'x', output_format: 'png' }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', optimize_prompt: true }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', response_format: 'png' }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', watermark: 'no' }, 400, 'InvalidParameter'],
      [{ model: M45, prompt: 'x', sequential_image_generation: 'on' }, 400, 'InvalidParameter'],
      [
        {
          model: M45,
          prompt: 'x',
          sequential_image_generation: 'auto',
          sequential_image_generation_options: { max_images: 16 },
        },
        400,
        'InvalidParameter',
      ],
      [
        { model: M45, prompt: 'x', optimize_prompt_options: { mode: 'fast' } },
        400,
        'InvalidParameter',
        /optimize_prompt_options\.mode/,
      ],
      [
        {
          model: M45,
          prompt: 'x',
          optimize_prompt_options: { mode: 'standard', thinking: 'auto' },
        },
        400,
        'InvalidParameter',
      ],
      [{ model: M45, prompt: 'x', image: '' }, 400, 'InvalidImageURL.EmptyURL'],
      [{ model: M45, prompt: 'x', image: 'not-a-url' }, 400, 'InvalidImageURL.InvalidFormat'],
      [
        { model: M45, prompt: 'x', image: 'data:image/png;base64,' },
        400,
        'InvalidImageURL.InvalidFormat',
      ],
      [
        { model: M45, prompt: 'x', image: 'data:image/png;base64,aGVsbG8=' },
        400,
        'InvalidImageURL.InvalidFormat',
      ],
      [
        { model: M45, prompt: 'x', image: Array(15).fill('https://example.com/a.png') },
        400,
        'InvalidParameter',
      ],
    ];
    for (const [body, status, code, message] of cases) {
      const r = await post(fake, body);
      expect([r.status, r.json?.error?.code], JSON.stringify(body).slice(0, 120)).toEqual([
        status,
        code,
      ]);
      expect(r.json.error).toEqual({
        code,
        message: expect.stringMatching(/Request id: 021/),
        param: expect.any(String),
        type: expect.any(String),
      });
      if (message) expect(r.json.error.message).toMatch(message);
    }
    // Errors are 4xx typed as the error table says.
    expect((await post(fake, { model: M45 })).json.error.type).toBe('BadRequest');
    expect((await post(fake, { model: 'nope', prompt: 'x' })).json.error.type).toBe('NotFound');
  });

  it('requires lowercase data-URI formats and checks the image itself', async () => {
    const fake = await startFake();
    const png = await dataUri(64, 64);
    expect((await post(fake, { model: M45, prompt: 'x', image: png })).status).toBe(200);
    expect(
      (await post(fake, { model: M45, prompt: 'x', image: png.replace('image/png', 'image/PNG') }))
        .json.error.code,
    ).toBe('InvalidImageURL.InvalidFormat');
    const tiny = await dataUri(10, 64);
    expect((await post(fake, { model: M45, prompt: 'x', image: tiny })).json.error.message).toMatch(
      /greater than 14/,
    );
    const narrow = await dataUri(340, 20);
    expect(
      (await post(fake, { model: M45, prompt: 'x', image: narrow })).json.error.message,
    ).toMatch(/aspect ratio/);
    expect((await post(fake, { model: M45, prompt: 'x', image: Array(14).fill(png) })).status).toBe(
      200,
    );
  });

  it('accepts the documented valid sizes and both id schemes by default', async () => {
    const fake = await startFake();
    const ok = [
      { model: M45, prompt: 'x', size: '3750x1250' },
      { model: M40, prompt: 'x', size: '1600x600' },
      { model: M40, prompt: 'x', size: '1K' },
      { model: `doubao-${M45}`, prompt: 'x', size: '4K' },
      { model: M45, prompt: 'x' },
      { model: M40, prompt: 'x', optimize_prompt_options: { mode: 'fast' } },
    ];
    for (const body of ok) expect((await post(fake, body)).status, JSON.stringify(body)).toBe(200);
  });

  it('accepts only its flavor’s ids when told', async () => {
    const byteplus = await startFake({ flavor: 'byteplus' });
    expect((await post(byteplus, { model: `doubao-${M45}`, prompt: 'x' })).status).toBe(404);
    const volcengine = await startFake({ flavor: 'volcengine' });
    expect((await post(volcengine, { model: M45, prompt: 'x' })).status).toBe(404);
    const r = await post(volcengine, { model: `doubao-${M45}`, prompt: 'x', size: '1K' });
    expect(r.json.error.message).toMatch(/not supported for model doubao-seedream-4-5\./);
  });
});
