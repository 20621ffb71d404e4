import { execFile, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import sharp from 'sharp';
import { afterAll, beforeAll, describe, expect, it, onTestFinished } from 'vitest';
import { createTestApp, type TestApp } from '../helpers/harness.ts';
import { listen } from '../helpers/listen.ts';

// examples/openai/, which the README shows verbatim, run as a user would run them against a
// real server: the openai SDK and Vercel AI SDK scripts on Node, the curl lines in bash.

const ROOT = join(import.meta.dirname, '..', '..');
const EXAMPLES = join(ROOT, 'examples', 'openai');
const hasCurl = spawnSync('curl', ['--version'], { stdio: 'ignore' }).status === 0;
if (!hasCurl) console.warn('OpenAI examples: SKIPPING curl.sh: curl not found on PATH');

let t: TestApp;
let server: { url: string; close(): Promise<void> };
beforeAll(async () => {
  t = await createTestApp();
  server = await listen(t);
});
afterAll(async () => {
  await server.close();
  await t.close();
});

function workDir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'goodtake-openai-example-'));
  onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function run(command: string, args: string[], cwd: string, env: Record<string, string>) {
  const { stdout, stderr } = await promisify(execFile)(command, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', ...env },
    timeout: 60_000,
  });
  return { stdout, stderr };
}

async function sizeOf(file: string): Promise<string> {
  const meta = await sharp(file).metadata();
  return `${meta.format} ${meta.width}x${meta.height}`;
}

describe('examples/openai', () => {
  it('openai-sdk.ts generates two images and edits one', async () => {
    const cwd = workDir();
    const { stdout } = await run(process.execPath, [join(EXAMPLES, 'openai-sdk.ts')], cwd, {
      OPENAI_BASE_URL: `${server.url}/v1`,
      OPENAI_API_KEY: t.key,
    });
    expect(stdout).toMatch(/^Night version: http:\/\/127\.0\.0\.1:\d+\/images\/\w+\.jpg$/m);
    for (const f of ['nook-1.jpg', 'nook-2.jpg']) {
      expect(await sizeOf(join(cwd, f))).toBe('jpeg 1536x1024');
    }
  });

  it('ai-sdk.ts saves two images for an end user', async () => {
    const cwd = workDir();
    const { stdout } = await run(process.execPath, [join(EXAMPLES, 'ai-sdk.ts')], cwd, {
      GOODTAKE_BASE_URL: server.url,
      GOODTAKE_API_KEY: t.key,
    });
    expect(stdout.trim()).toBe('Saved 2 images');
    for (const f of ['lighthouse-1.jpg', 'lighthouse-2.jpg']) {
      expect(await sizeOf(join(cwd, f))).toBe('jpeg 1024x1024');
    }
    const usage = await t.request('/api/v1/generations?user=customer-42', {
      headers: { Authorization: `Bearer ${t.key}` },
    });
    expect((await usage.json()).data.generations).toHaveLength(1);
  });

  it.runIf(hasCurl)('curl.sh generates, and edits an uploaded photo', async () => {
    const cwd = workDir();
    await sharp({ create: { width: 200, height: 150, channels: 3, background: '#4477aa' } })
      .png()
      .toFile(join(cwd, 'photo.png'));
    const script = readFileSync(join(EXAMPLES, 'curl.sh'), 'utf8').replaceAll(
      'http://localhost:8080',
      server.url,
    );
    // One response per line, so the two answers can be told apart.
    writeFileSync(join(cwd, 'run.sh'), script.replaceAll('curl ', 'curl -sS -w "\\n" '));
    const { stdout } = await run('bash', ['run.sh'], cwd, { GOODTAKE_API_KEY: t.key });
    const answers = stdout
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line));
    expect(answers).toHaveLength(2);
    for (const answer of answers) expect(answer.data[0].url).toMatch(/\/images\/\w+\.jpg$/);
  });

  it('litellm.yaml names a served model under the /v1 base (LiteLLM itself is a Python package)', async () => {
    const config = readFileSync(join(EXAMPLES, 'litellm.yaml'), 'utf8');
    const model = /model: openai\/(\S+)/.exec(config)?.[1];
    const base = new URL(/api_base: (\S+)/.exec(config)?.[1] ?? '').pathname;
    const models = await t.request(`${base}/models`, {
      headers: { Authorization: `Bearer ${t.key}` },
    });
    expect((await models.json()).data.map((m: { id: string }) => m.id)).toContain(model);
    const routes = t.application.app.routes.map((r) => `${r.method} ${r.path}`);
    expect(routes).toContain(`POST ${base}/images/generations`);
  });
});
