import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { createLogger } from '../../src/log.ts';
import { startServer } from '../../src/server.ts';

describe('GOODTAKE_METRICS_LISTEN', () => {
  it('serves /metrics on its own address, and the public port has none', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'goodtake-metrics-'));
    const config = loadConfig({
      GOODTAKE_DATA_DIR: dir,
      PORT: '0',
      HOST: '127.0.0.1',
      GOODTAKE_METRICS_LISTEN: '127.0.0.1:0',
      LOG_LEVEL: 'silent',
    });
    const server = await startServer(config, createLogger('silent'), { print: () => {} });
    try {
      expect(server.metricsUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/metrics$/);
      const separate = await fetch(server.metricsUrl!);
      expect(separate.status).toBe(200);
      expect(await separate.text()).toContain('process_cpu_seconds_total');
      expect((await fetch(`${server.url}/metrics`)).status).toBe(404);
      expect((await fetch(server.metricsUrl!.replace('/metrics', '/other'))).status).toBe(404);
    } finally {
      await server.stop();
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses a malformed address', () => {
    expect(() => loadConfig({ GOODTAKE_METRICS_LISTEN: 'nine' })).toThrow(/host:port/);
  });
});
