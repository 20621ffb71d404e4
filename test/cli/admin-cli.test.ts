import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cli, type ServerProcess, startServerProcess } from '../helpers/processes.ts';

let dir: string;
let env: Record<string, string>;
let server: ServerProcess;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'goodtake-cli-'));
  env = { GOODTAKE_DATA_DIR: dir };
  server = await startServerProcess(env);
});
afterAll(async () => {
  await server?.stop();
  rmSync(dir, { recursive: true, force: true });
});

describe('goodtake admin CLI, while the server runs', () => {
  it('prints the first-start key once, with a curl line that works', async () => {
    const banner = server.stderr();
    const key = /gt_[A-Za-z0-9]{40}/.exec(banner)?.[0];
    expect(key).toBeDefined();
    expect(banner).toContain(`curl -X POST ${server.url}/api/v1/bytedance/generate-image`);
    const res = await fetch(`${server.url}/api/v1/bytedance/generate-image`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({ prompt: 'A beautiful sunset over mountains' }),
    });
    expect(res.status).toBe(200);
  });

  it('creates accounts and keys, grants credits, and the server accepts the key at once', async () => {
    const account = await cli(
      ['accounts', 'create', '--name', 'Acme', '--credits', '10', '--json'],
      env,
    );
    expect(account.code).toBe(0);
    const { id } = JSON.parse(account.stdout);
    expect(id).toMatch(/^acc_/);

    const created = await cli(
      ['keys', 'create', '--account', id, '--name', 'Production App', '--json'],
      env,
    );
    expect(created.code).toBe(0);
    const key = JSON.parse(created.stdout);
    expect(key.id).toMatch(/^key_/);
    expect(key.key).toMatch(/^gt_[A-Za-z0-9]{40}$/);

    const listed = await cli(['keys', 'list', '--account', id], env);
    expect(listed.stdout).toContain('Production App');
    expect(listed.stdout).toContain(`${key.key.slice(0, 11)}...`);
    expect(listed.stdout).not.toContain(key.key);

    const generate = () =>
      fetch(`${server.url}/api/v1/bytedance/generate-image`, {
        method: 'POST',
        headers: { 'X-API-Key': key.key, 'Content-Type': 'application/json' },
        body: JSON.stringify({
          prompt: 'cli made me',
          model: 'seedream-4-0-250828',
          size: '1K',
          number_of_images: 4,
        }),
      });
    expect((await generate()).status).toBe(403); // 4 x 3 = 12 > 10

    expect((await cli(['credits', 'grant', '--account', id, '--amount', '5'], env)).code).toBe(0);
    expect((await generate()).status).toBe(200);
    const balance = await cli(['credits', 'balance', '--account', id, '--json'], env);
    expect(JSON.parse(balance.stdout)).toEqual({
      account: id,
      balance: 3,
      reserved: 0,
      available: 3,
    });

    const usage = await cli(['usage', '--account', id, '--json'], env);
    const rows = JSON.parse(usage.stdout);
    expect(rows).toHaveLength(1);
    expect(rows[0]).toMatchObject({
      model: 'seedream-4-0-250828',
      size: '1K',
      number_of_images: 4,
      images_delivered: 4,
      credits_charged: 12,
      status: 'succeeded',
    });

    expect((await cli(['credits', 'verify'], env)).code).toBe(0);
    expect((await cli(['keys', 'revoke', key.id], env)).code).toBe(0);
    expect((await generate()).status).toBe(401);
    expect((await cli(['keys', 'revoke', key.id], env)).code).toBe(1);
  });

  it("filters usage by the end user an OpenAI request named (OpenAI's `user`)", async () => {
    const { id } = JSON.parse(
      (await cli(['accounts', 'create', '--name', 'Shop', '--credits', '10', '--json'], env))
        .stdout,
    );
    const key = JSON.parse(
      (await cli(['keys', 'create', '--account', id, '--name', 'Shop key', '--json'], env)).stdout,
    );
    const openai = await fetch(`${server.url}/v1/images/generations`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${key.key}`, 'Content-Type': 'application/json' },
      body: JSON.stringify({
        prompt: 'for a customer',
        model: 'seedream-4-0-250828',
        size: '1K',
        user: 'customer-42',
      }),
    });
    expect(openai.status).toBe(200);
    const forUser = await cli(['usage', '--account', id, '--user', 'customer-42', '--json'], env);
    const userRows = JSON.parse(forUser.stdout);
    expect(userRows).toHaveLength(1);
    expect(userRows[0]).toMatchObject({ user: 'customer-42', credits_charged: 3 });
    expect(
      JSON.parse((await cli(['usage', '--account', id, '--user', 'nobody', '--json'], env)).stdout),
    ).toEqual([]);
  });

  it('sets per-key limits from the CLI', async () => {
    const { id } = JSON.parse(
      (await cli(['accounts', 'create', '--name', 'L', '--json'], env)).stdout,
    );
    const key = JSON.parse(
      (
        await cli(
          [
            'keys',
            'create',
            '--account',
            id,
            '--name',
            'k',
            '--rpm',
            '7',
            '--concurrency',
            '2',
            '--json',
          ],
          env,
        )
      ).stdout,
    );
    const account = await fetch(`${server.url}/api/v1/account`, {
      headers: { Authorization: `Bearer ${key.key}` },
    });
    expect((await account.json()).data.limits).toEqual({
      requests_per_minute: 7,
      concurrent_generations: 2,
    });
    expect((await cli(['keys', 'update', key.id, '--rpm', '9'], env)).code).toBe(0);
    const again = await fetch(`${server.url}/api/v1/account`, {
      headers: { Authorization: `Bearer ${key.key}` },
    });
    expect((await again.json()).data.limits).toEqual({
      requests_per_minute: 9,
      concurrent_generations: 2,
    });
    // 0 lifts a limit for this key (e.g. a load-testing or batch key).
    const lifted = await cli(['keys', 'update', key.id, '--rpm', '0', '--concurrency', '0'], env);
    expect(lifted.code).toBe(0);
    const unlimited = await fetch(`${server.url}/api/v1/account`, {
      headers: { Authorization: `Bearer ${key.key}` },
    });
    expect((await unlimited.json()).data.limits).toEqual({
      requests_per_minute: 0,
      concurrent_generations: 0,
    });
  });

  it('reports usage errors with exit code 2 and bad configuration clearly', async () => {
    expect((await cli(['keys', 'create', '--name', 'x'], env)).code).toBe(2);
    const bad = await cli(['credits', 'balance', '--account', 'acc_x'], { ...env, PORT: 'eighty' });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('PORT must be an integer');
  });
});
