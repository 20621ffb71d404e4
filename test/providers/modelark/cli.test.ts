import { type ChildProcess, spawn } from 'node:child_process';
import { afterEach, describe, expect, it } from 'vitest';

let child: ChildProcess | undefined;
afterEach(() => {
  if (child?.exitCode === null) child.kill('SIGTERM');
  child = undefined;
});

/** Starts the CLI and resolves with its printed base URL and key. */
function startCli(args: string[]): Promise<{ url: string; key: string }> {
  child = spawn(process.execPath, ['src/providers/modelark/fake/cli.ts', ...args], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  return new Promise((resolve, reject) => {
    let out = '';
    child?.stdout?.on('data', (chunk: Buffer) => {
      out += chunk.toString();
      const url = /base URL (\S+)/.exec(out)?.[1];
      const key = /API key: (\S+)/.exec(out)?.[1];
      if (url && key) resolve({ url, key });
    });
    child?.once('exit', (code) => reject(new Error(`cli exited with ${code}: ${out}`)));
  });
}

describe('fake ModelArk CLI', () => {
  it('prints its base URL and key and serves generations', async () => {
    const { url, key } = await startCli([
      '--port',
      '0',
      '--latency-ms',
      '10',
      '--api-key',
      'cli-key',
    ]);
    expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/api\/v3$/);
    expect(key).toBe('cli-key');
    const response = await fetch(`${url}/images/generations`, {
      method: 'POST',
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'seedream-4-0-250828', prompt: 'x', size: '1K' }),
    });
    expect(response.status).toBe(200);
    const body = (await response.json()) as { data: Array<{ size: string }> };
    expect(body.data[0]?.size).toBe('1024x1024');
  });

  it('refuses bad options', async () => {
    await expect(startCli(['--flavor', 'aws'])).rejects.toThrow(/exited with 2/);
  });
});
