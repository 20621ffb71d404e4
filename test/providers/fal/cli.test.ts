import { describe, expect, it } from 'vitest';
import { startFakeCli } from '../fake-cli.ts';

const startCli = (args: string[]) => startFakeCli('src/providers/fal/fake/cli.ts', args);

describe('fake fal.ai CLI (npm run fake:fal)', () => {
  it('prints its base URL and key and queues submissions', async () => {
    const { url, key } = await startCli([
      '--port',
      '0',
      '--api-key',
      'cli-key',
      '--path-shape',
      'full',
    ]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(key).toBe('cli-key');
    const response = await fetch(`${url}/fal-ai/bytedance/seedream/v4/text-to-image`, {
      method: 'POST',
      headers: { authorization: `Key ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ prompt: 'x' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { status_url: string };
    expect(body.status_url).toContain('/seedream/v4/text-to-image/requests/');
  });

  it('refuses bad options', async () => {
    await expect(startCli(['--path-shape', 'diagonal'])).rejects.toThrow(/exited with 2/);
  });
});
