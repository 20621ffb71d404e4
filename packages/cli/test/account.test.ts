import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sdk/test/helpers/server.ts';
import { buildCli, goodtake } from './helpers/run.ts';

let server: TestServer;
let env: Record<string, string>;
beforeAll(async () => {
  buildCli();
  server = await startTestServer({ GOODTAKE_STARTING_CREDITS: '100' });
  env = { GOODTAKE_API_KEY: server.key, GOODTAKE_BASE_URL: server.url };
  for (const prompt of ['first', 'second', 'third']) {
    await goodtake(['generate', prompt, '-m', 'seedream-4-0-250828', '-s', '1K', '--no-save'], {
      env,
    });
  }
  await goodtake(['generate', 'refused [[offline:content_policy]]', '--no-save'], { env });
});
afterAll(() => server.stop());

describe('goodtake account', () => {
  it('shows balance, key, limits and prices', async () => {
    const run = await goodtake(['account'], { env });
    expect(run.code).toBe(0);
    expect(run.stdout).toMatch(/^Account {4}default \(acc_\w+\)$/m);
    expect(run.stdout).toContain(`Server     ${server.url}`);
    expect(run.stdout).toContain(`Key        default (${server.key.slice(0, 11)}…)`);
    expect(run.stdout).toContain('Balance    91 credits (0 reserved, 91 available)');
    expect(run.stdout).toContain('Limits     60 requests/min, 4 concurrent generations');
    expect(run.stdout).toContain(
      'seedream-4-5-251128: 4 credits/image, seedream-4-0-250828: 3 credits/image',
    );
  });

  it('--json prints the API body', async () => {
    const run = await goodtake(['account', '--json'], { env });
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'success', data: { available: 91 } });
  });

  it('takes the connection flags before the command too', async () => {
    const run = await goodtake(
      ['--base-url', server.url, `--api-key=${server.key}`, 'account'],
      {},
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('91 available');
  });
});

describe('goodtake generations', () => {
  it('shows recent usage as a table, newest first, with a total', async () => {
    const run = await goodtake(['generations'], { env });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^CREATED\s+ID\s+MODEL\s+SIZE\s+IMAGES\s+CREDITS\s+TIME\s+STATUS$/);
    expect(lines).toHaveLength(1 + 4 + 1);
    expect(lines[1]).toMatch(
      /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d\s+gen_\w+\s+seedream-4\.5\s+2K\s+0\/1\s+0\s+.+\s+failed \(content_policy_violation\)$/,
    );
    expect(lines[2]).toMatch(/gen_\w+\s+seedream-4\.0\s+1K\s+1\/1\s+3\s+[\d.]+ s\s+succeeded$/);
    expect(lines[5]).toBe('4 generations, 9 credits.');
  });

  it('--limit and --json give that many as a JSON array', async () => {
    const run = await goodtake(['generations', '--limit', '2', '--json'], { env });
    const rows = JSON.parse(run.stdout);
    expect(rows).toHaveLength(2);
    expect(rows[1]).toMatchObject({ status: 'succeeded', credits_charged: 3, size: '1K' });
  });

  it('--since in the future shows none; a bad --since or --limit is a usage error', async () => {
    const future = new Date(Date.now() + 3_600_000).toISOString();
    expect((await goodtake(['generations', '--since', future], { env })).stdout).toBe(
      'No generations yet.\n',
    );
    expect((await goodtake(['generations', '--since', 'yesterday'], { env })).code).toBe(2);
    expect((await goodtake(['generations', '--limit', '0'], { env })).code).toBe(2);
  });
});

describe('goodtake models', () => {
  it('shows each model with its identifier, name and cost per image', async () => {
    const run = await goodtake(['models'], { env });
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(
      /^IDENTIFIER\s+NAME\s+COST PER IMAGE\s+DEFAULT SIZE\s+BLEND\s+STATUS$/,
    );
    expect(lines[1]).toMatch(
      /^seedream-4-5-251128 \(default\)\s+Seedream 4\.5\s+4 credits\s+2K\s+up to 10\s+available$/,
    );
    expect(lines[2]).toMatch(/^seedream-4-0-250828\s+Seedream 4\.0\s+3 credits\s+2K/);
    expect(lines).toHaveLength(3);
  });

  it('--json prints the API body', async () => {
    const run = await goodtake(['models', '--json'], { env });
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'success', data: { models: [{}, {}] } });
  });
});
