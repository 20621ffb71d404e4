import { readdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sdk/test/helpers/server.ts';
import { buildCli, tempDir } from './helpers/run.ts';

let cli: typeof import('@goodtake/cli');
let server: TestServer;
beforeAll(async () => {
  buildCli();
  // The built package, as the server's admin CLI imports it.
  cli = await import('@goodtake/cli');
  server = await startTestServer({ GOODTAKE_OFFLINE_DELAY_MS: '450' });
});
afterAll(() => server.stop());

function captureIo(options: { cwd: string; isTTY: boolean; env?: Record<string, string> }) {
  let stdout = '';
  let stderr = '';
  return {
    io: {
      stdout: (t: string) => {
        stdout += t;
      },
      stderr: (t: string) => {
        stderr += t;
      },
      env: { GOODTAKE_API_KEY: server.key, GOODTAKE_BASE_URL: server.url, ...options.env },
      cwd: options.cwd,
      isTTY: options.isTTY,
    },
    out: () => ({ stdout, stderr }),
  };
}

describe('runClientCli (the package export)', () => {
  it('runs in-process with the given io and cwd, and shows progress on a TTY', async () => {
    const cwd = tempDir();
    const { io, out } = captureIo({ cwd, isTTY: true });
    const code = await cli.runClientCli(['generate', 'A harbour at dawn', '-o', 'shots'], io);
    const { stdout, stderr } = out();
    expect(code).toBe(0);
    expect(readdirSync(join(cwd, 'shots'))).toHaveLength(1);
    expect(stdout).toContain('./shots/a-harbour-at-dawn-');
    expect(stderr).toContain('Generating 1 image (seedream-4-5-251128, 2K) 0.');
    expect(stderr.match(/Generating/g)!.length).toBeGreaterThan(2);
    expect(stderr.endsWith('\r\x1b[2K')).toBe(true);
  });

  it('stays quiet on stderr when it is not a TTY', async () => {
    const { io, out } = captureIo({ cwd: tempDir(), isTTY: false });
    expect(await cli.runClientCli(['generate', 'A harbour', '--no-save'], io)).toBe(0);
    expect(out().stderr).toBe('');
  });

  it('returns exit codes instead of exiting', async () => {
    const cwd = tempDir();
    writeFileSync(join(cwd, 'fake.png'), 'GIF89a');
    const { io, out } = captureIo({ cwd, isTTY: false });
    expect(await cli.runClientCli(['generate', 'x', '--image', 'fake.png'], io)).toBe(
      cli.EXIT.usage,
    );
    expect(out().stderr).toContain('not a PNG, JPEG or WebP image');
    const bad = captureIo({ cwd, isTTY: false, env: { GOODTAKE_API_KEY: `gt_${'q'.repeat(40)}` } });
    expect(await cli.runClientCli(['account'], bad.io)).toBe(cli.EXIT.api);
  });

  it('an abort signal interrupts a generation with exit 130', async () => {
    const { io } = captureIo({ cwd: tempDir(), isTTY: false });
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 100);
    const code = await cli.runClientCli(['generate', 'x', '--no-save'], {
      ...io,
      signal: controller.signal,
    });
    expect(code).toBe(130);
  });
});
