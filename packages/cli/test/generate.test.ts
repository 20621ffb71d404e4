import { readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sdk/test/helpers/server.ts';
import { buildCli, goodtake, tempDir } from './helpers/run.ts';

let server: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  buildCli();
  server = await startTestServer({ GOODTAKE_FETCH_ALLOW: '127.0.0.1' });
  env = { GOODTAKE_API_KEY: server.key, GOODTAKE_BASE_URL: server.url };
});
afterAll(() => server.stop());

async function metaOf(path: string) {
  const m = await sharp(readFileSync(path)).metadata();
  return { format: m.format, width: m.width, height: m.height };
}

const FILE = /^[a-z0-9-]+-\d{8}-\d{6}-\d\.jpg$/;

describe('goodtake generate', () => {
  it('saves the image under a readable name, at the reported size, and prints the credits', async () => {
    const cwd = tempDir();
    const run = await goodtake(['generate', 'A red kite over the hills!'], { env, cwd });
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const files = readdirSync(cwd);
    expect(files).toHaveLength(1);
    expect(files[0]).toMatch(/^a-red-kite-over-the-hills-\d{8}-\d{6}-1\.jpg$/);
    expect(run.stdout).toContain(`./${files[0]}  2048x2048`);
    expect(await metaOf(join(cwd, files[0]!))).toEqual({
      format: 'jpeg',
      width: 2048,
      height: 2048,
    });
    expect(run.stdout).toMatch(
      /^Credits used: 4\. seedream-4-5-251128, generated in [\d.]+ s \(gen_\w+\)\.$/m,
    );
  });

  it('takes the model, size, count, mode and output directory', async () => {
    const cwd = tempDir();
    const run = await goodtake(
      [
        'generate',
        'A serene forest path',
        '-m',
        'seedream-4-0-250828',
        '--size',
        '1024x768',
        '-n',
        '2',
        '--mode',
        'creative',
        '--out',
        'out/forest',
      ],
      { env, cwd },
    );
    expect(run.code).toBe(0);
    const files = readdirSync(join(cwd, 'out/forest')).sort();
    expect(files).toHaveLength(2);
    expect(files[0]).toMatch(/-1\.jpg$/);
    expect(files[1]).toMatch(/-2\.jpg$/);
    for (const f of files) {
      expect(await metaOf(join(cwd, 'out/forest', f))).toEqual({
        format: 'jpeg',
        width: 1024,
        height: 768,
      });
    }
    expect(run.stdout).toContain('Credits used: 6.');
  });

  it('accepts auto sizes in any case', async () => {
    const run = await goodtake(
      ['generate', 'A square icon', '-s', '1k', '-m', 'seedream-4-0-250828'],
      { env },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('1024x1024');
  });

  it('sends a local PNG given with --image as a data URI (blend mode)', async () => {
    const cwd = tempDir();
    await sharp({ create: { width: 320, height: 200, channels: 3, background: '#3080c0' } })
      .png()
      .toFile(join(cwd, 'photo.png'));
    const run = await goodtake(
      [
        'generate',
        'Make it a watercolour',
        '--image',
        'photo.png',
        '-m',
        'seedream-4-0-250828',
        '-s',
        '1920x1080',
      ],
      { env, cwd },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const saved = readdirSync(cwd).filter((f) => f !== 'photo.png');
    expect(saved).toHaveLength(1);
    expect(await metaOf(join(cwd, saved[0]!))).toEqual({
      format: 'jpeg',
      width: 1920,
      height: 1080,
    });
  });

  it('passes --image URLs through to the API', async () => {
    const first = await goodtake(
      ['generate', 'A source', '--json', '--no-save', '-s', '1K', '-m', 'seedream-4-0-250828'],
      { env },
    );
    const url = JSON.parse(first.stdout).data.images[0].url as string;
    const cwd = tempDir();
    const run = await goodtake(
      ['generate', 'Edit it', '--image', url, '-i', url, '-s', '1K', '-m', 'seedream-4-0-250828'],
      { env, cwd },
    );
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    expect(readdirSync(cwd)).toHaveLength(1);
  });

  it('refuses an --image that is not PNG, JPEG or WebP, or missing: exit 2', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'notes.txt'), 'not an image at all');
    const text = await goodtake(['generate', 'x', '--image', 'notes.txt'], { env, cwd });
    expect(text.code).toBe(2);
    expect(text.stderr).toContain('--image notes.txt: not a PNG, JPEG or WebP image');
    const missing = await goodtake(['generate', 'x', '--image', 'nope.png'], { env, cwd });
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(readdirSync(cwd)).toEqual(['notes.txt']);
  });

  it('--json prints the raw response body and still saves; with --no-save only the body', async () => {
    const cwd = tempDir();
    const run = await goodtake(
      ['generate', 'A teapot', '--json', '-n', '2', '-s', '1K', '-m', 'seedream-4-0-250828'],
      { env, cwd },
    );
    expect(run.code).toBe(0);
    const body = JSON.parse(run.stdout);
    expect(body).toMatchObject({
      status: 'success',
      data: { model: 'seedream-4-0-250828', prompt: 'A teapot', credits_used: 6 },
    });
    expect(body.data.images).toHaveLength(2);
    expect(readdirSync(cwd)).toHaveLength(2);
    expect(run.stderr).toContain('Saved 2 images');

    const bare = tempDir();
    const only = await goodtake(['generate', 'A teapot', '--json', '--no-save'], {
      env,
      cwd: bare,
    });
    expect(JSON.parse(only.stdout).status).toBe('success');
    expect(only.stderr).toMatch(/^Credits used: 4\./);
    expect(readdirSync(bare)).toEqual([]);
  });

  it('--base64 saves the inline bytes', async () => {
    const cwd = tempDir();
    const run = await goodtake(
      ['generate', 'A lamp', '--base64', '--json', '-s', '512x512', '-m', 'seedream-4-0-250828'],
      { env, cwd },
    );
    expect(run.code).toBe(0);
    const image = JSON.parse(run.stdout).data.images[0];
    const [file] = readdirSync(cwd);
    expect(file).toMatch(FILE);
    expect(readFileSync(join(cwd, file!)).toString('base64')).toBe(image.base64.split(',')[1]);
  });

  it('replays with --idempotency-key instead of charging again', async () => {
    const args = [
      'generate',
      'Once only',
      '-s',
      '1K',
      '-m',
      'seedream-4-0-250828',
      '--json',
      '--no-save',
      '--idempotency-key',
      'cli-once',
    ];
    const a = JSON.parse((await goodtake(args, { env })).stdout);
    const b = JSON.parse((await goodtake(args, { env })).stdout);
    expect(b.data.id).toBe(a.data.id);
  });

  it('usage errors exit 2 before any request', async () => {
    for (const args of [
      ['generate'],
      ['generate', 'x', '--size', '1024x1024'],
      ['generate', 'x', '-m', 'seedream-9'],
      ['generate', 'x', '-n', '5'],
      ['generate', 'x', '--mode', 'fast'],
      ['generate', 'x', '--frobnicate'],
    ]) {
      const run = await goodtake(args, { env });
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr).toContain("Run 'goodtake generate --help' for usage.");
    }
    const noKey = await goodtake(['generate', 'x'], { env: { GOODTAKE_BASE_URL: server.url } });
    expect(noKey.code).toBe(2);
    expect(noKey.stderr).toContain('no API key');
  });

  it('API errors exit 3 with the code, a hint and the request id', async () => {
    const badKey = await goodtake(['generate', 'x'], {
      env: { ...env, GOODTAKE_API_KEY: `gt_${'0'.repeat(40)}` },
    });
    expect(badKey.code).toBe(3);
    expect(badKey.stderr).toContain('401 unauthorized');
    expect(badKey.stderr).toContain('goodtake login');
    expect(badKey.stderr).toMatch(/request id: \S+/);

    const refused = await goodtake(['generate', 'a castle [[offline:content_policy]]'], { env });
    expect(refused.code).toBe(3);
    expect(refused.stderr).toContain('400 content_policy_violation');

    const poor = await startTestServer({ GOODTAKE_STARTING_CREDITS: '1' });
    try {
      const run = await goodtake(['generate', 'x'], {
        env: { GOODTAKE_API_KEY: poor.key, GOODTAKE_BASE_URL: poor.url },
      });
      expect(run.code).toBe(3);
      expect(run.stderr).toContain('403 insufficient_credits');
      expect(run.stderr).toContain('goodtake account');
    } finally {
      await poor.stop();
    }
  });

  it('network errors and timeouts exit 4', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const { port } = probe.address() as { port: number };
    await new Promise((r) => probe.close(r));
    const down = await goodtake(['generate', 'x', '--base-url', `http://127.0.0.1:${port}`], {
      env,
    });
    expect(down.code).toBe(4);
    expect(down.stderr).toContain('ECONNREFUSED');
    expect(down.stderr).toContain(`Could not reach http://127.0.0.1:${port}`);

    const slow = await startTestServer({ GOODTAKE_OFFLINE_DELAY_MS: '1500' });
    try {
      const run = await goodtake(['generate', 'x', '--timeout', '0.3'], {
        env: { GOODTAKE_API_KEY: slow.key, GOODTAKE_BASE_URL: slow.url },
      });
      expect(run.code).toBe(4);
      expect(run.stderr).toContain('timed out after 300 ms');
    } finally {
      await slow.stop();
    }
  });
});
