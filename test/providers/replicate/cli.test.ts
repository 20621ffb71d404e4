import { describe, expect, it } from 'vitest';
import { startFakeCli } from '../fake-cli.ts';

const startCli = (args: string[]) => startFakeCli('src/providers/replicate/fake/cli.ts', args);

describe('fake Replicate CLI (npm run fake:replicate)', () => {
  it('prints its base URL and token and creates predictions', async () => {
    const { url, key } = await startCli([
      '--port',
      '0',
      '--api-token',
      'r8_cli',
      '--latency-ms',
      '5',
    ]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
    expect(key).toBe('r8_cli');
    const response = await fetch(`${url}/models/bytedance/seedream-4/predictions`, {
      method: 'POST',
      headers: {
        authorization: `Bearer ${key}`,
        'content-type': 'application/json',
        prefer: 'wait=5',
      },
      body: JSON.stringify({ input: { prompt: 'x', size: '1K' } }),
    });
    expect(response.status).toBe(201);
    const body = (await response.json()) as { status: string; output: string[] };
    expect(body.status).toBe('succeeded');
    expect(body.output[0]).toMatch(/\/delivery\/.+\/out-0\.jpg$/);
  });

  it('refuses bad options', async () => {
    await expect(startCli(['--latency-ms', 'soon'])).rejects.toThrow(/exited with 2/);
  });
});
