import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { migrations } from '../../src/db/migrations/index.ts';
import { cli, type ServerProcess, startServerProcess } from '../helpers/processes.ts';
import {
  createScaleOutInstallation,
  type ScaleOutInstallation,
  scaleOutUrls,
} from '../helpers/scale-out.ts';

// Three `goodtake serve` processes on one PostgreSQL, one Redis and one bucket, with requests
// spread across them as a load balancer would: the limits and the credits hold globally, the
// books balance, and an image stored through one replica is served by the others and by the
// public base URL (here the bucket itself).
const urls = scaleOutUrls();
if (!urls.ok) console.warn(`notice: multi-replica test skipped (${urls.reason})`);

const ENDPOINT = '/api/v1/bytedance/generate-image';
const PRICE_4_0 = 3;

interface Sent {
  readonly replica: number;
  readonly res: Response;
}

describe.skipIf(!urls.ok)(
  `three replicas behind one PostgreSQL, Redis and bucket${urls.ok ? '' : ` (skipped: ${urls.reason})`}`,
  () => {
    let installation: ScaleOutInstallation;
    let dataDir: string;
    let env: Record<string, string>;
    let publicBase: string;
    const replicas: ServerProcess[] = [];

    beforeAll(async () => {
      if (!urls.ok) return;
      const s3Endpoint = inject('s3Endpoint');
      installation = await createScaleOutInstallation(urls.urls, s3Endpoint);
      dataDir = mkdtempSync(join(tmpdir(), 'goodtake-replicas-'));
      publicBase = `${s3Endpoint}/${installation.bucket}`;
      env = {
        ...installation.env,
        GOODTAKE_DATA_DIR: dataDir,
        GOODTAKE_AUTO_MIGRATE: 'false',
        GOODTAKE_RATE_LIMIT_RPM: '0',
        GOODTAKE_RATE_LIMIT_CONCURRENCY: '0',
        GOODTAKE_OFFLINE_DELAY_MS: '600',
        GOODTAKE_STARTING_CREDITS: '10',
        PUBLIC_BASE_URL: publicBase,
      };
    });
    afterAll(async () => {
      await Promise.all(replicas.map((r) => r.stop()));
      await installation?.cleanup();
      if (dataDir) rmSync(dataDir, { recursive: true, force: true });
    });

    /** Sends `n` requests at once, request i to replica i mod 3. */
    const spread = (n: number, key: string, body: (i: number) => unknown): Promise<Sent[]> =>
      Promise.all(
        Array.from({ length: n }, async (_, i) => {
          const replica = i % replicas.length;
          const res = await fetch(`${replicas[replica]!.url}${ENDPOINT}`, {
            method: 'POST',
            headers: { Authorization: `Bearer ${key}`, 'Content-Type': 'application/json' },
            body: JSON.stringify(body(i)),
          });
          return { replica, res };
        }),
      );
    const statuses = (sent: Sent[]) =>
      sent.reduce<Record<number, number>>((acc, s) => {
        acc[s.res.status] = (acc[s.res.status] ?? 0) + 1;
        return acc;
      }, {});

    it('refuses to start on an unmigrated schema; `goodtake migrate` applies it once', async () => {
      const all = Object.keys(migrations).join(', ');
      await expect(startServerProcess(env)).rejects.toThrow(
        `schema is out of date (pending: ${all}); run \`goodtake migrate\``,
      );
      const migrated = await cli(['migrate'], env);
      expect(migrated).toMatchObject({ code: 0, stdout: `applied: ${all}\n` });
      expect((await cli(['migrate'], env)).stdout).toBe('database is up to date\n');
    });

    // Three server processes and a CLI starting at once: about 5 s alone, but once over the
    // default 30 s in a CI run with every other suite on the same two cores.
    it('starts three replicas at once on the new database, creating the default account once', {
      timeout: 120_000,
    }, async () => {
      replicas.push(...(await Promise.all([0, 1, 2].map(() => startServerProcess(env)))));
      const accounts = JSON.parse((await cli(['accounts', 'list', '--json'], env)).stdout);
      expect(accounts.map((a: { name: string }) => a.name)).toEqual(['default']);
      expect(replicas.filter((r) => r.stderr().includes('Created account')).length).toBe(1);
    });

    const account = async (credits: number, keyOptions: string[]) => {
      const acc = JSON.parse(
        (
          await cli(
            ['accounts', 'create', '--name', 'load', '--credits', String(credits), '--json'],
            env,
          )
        ).stdout,
      );
      const key = JSON.parse(
        (
          await cli(
            ['keys', 'create', '--account', acc.id, '--name', 'load', ...keyOptions, '--json'],
            env,
          )
        ).stdout,
      );
      return { accountId: acc.id as string, key: key.key as string };
    };

    const generated: Array<{ replica: number; url: string }> = [];
    const collect = async (sent: Sent[]) => {
      for (const { replica, res } of sent.filter((s) => s.res.status === 200)) {
        for (const image of (await res.json()).data.images as Array<{ url: string }>) {
          generated.push({ replica, url: image.url });
        }
      }
    };

    it('lets exactly the global rate limit through, whichever replica each request reaches', async () => {
      const { key } = await account(1000, ['--rpm', '25']);
      const sent = await spread(60, key, (i) => ({
        prompt: `rate ${i}`,
        model: 'seedream-4-0-250828',
        size: '512x512',
      }));
      expect(statuses(sent)).toEqual({ 200: 25, 429: 35 });
      const remaining = sent
        .filter((s) => s.res.status === 200)
        .map((s) => Number(s.res.headers.get('x-ratelimit-remaining')))
        .sort((a, b) => a - b);
      expect(remaining).toEqual(Array.from({ length: 25 }, (_, i) => i));
      for (const s of sent.filter((s) => s.res.status === 429)) {
        const retryAfter = Number(s.res.headers.get('retry-after'));
        expect(retryAfter).toBeGreaterThanOrEqual(58);
        expect(retryAfter).toBeLessThanOrEqual(60);
        expect(s.res.headers.get('x-ratelimit-remaining')).toBe('0');
      }
      await collect(sent);
    });

    it('delivers exactly the affordable images across replicas, never overdrawing', async () => {
      const K = 17;
      const { key, accountId } = await account(K * PRICE_4_0 + 2, []);
      const sent = await spread(40, key, (i) => ({
        prompt: `credits ${i}`,
        model: 'seedream-4-0-250828',
        size: '512x512',
      }));
      expect(statuses(sent)).toEqual({ 200: K, 403: 40 - K });
      const balance = JSON.parse(
        (await cli(['credits', 'balance', '--account', accountId, '--json'], env)).stdout,
      );
      expect(balance).toEqual({ account: accountId, balance: 2, reserved: 0, available: 2 });
      await collect(sent);
    });

    it('holds the concurrency limit globally', async () => {
      const { key } = await account(1000, ['--concurrency', '2']);
      const sent = await spread(9, key, (i) => ({
        prompt: `concurrent ${i}`,
        model: 'seedream-4-0-250828',
        size: '512x512',
      }));
      expect(statuses(sent)).toEqual({ 200: 2, 429: 7 });
      await collect(sent);
    });

    it('balances the books (`credits verify`)', async () => {
      const verify = await cli(['credits', 'verify'], env);
      expect(verify).toMatchObject({
        code: 0,
        stdout: 'ledger verified: every balance matches its entries\n',
      });
    });

    it('serves every image from every replica and from the public base URL', async () => {
      expect(generated).toHaveLength(25 + 17 + 2);
      await Promise.all(
        generated.map(async ({ replica, url }) => {
          expect(url.startsWith(`${publicBase}/images/`)).toBe(true);
          const path = new URL(url).pathname.slice(new URL(publicBase).pathname.length);
          const bodies: Buffer[] = [];
          for (const [i, r] of replicas.entries()) {
            const res = await fetch(`${r.url}${path}`);
            expect(res.status, `replica ${i} serving an image of replica ${replica}`).toBe(200);
            expect(res.headers.get('content-type')).toBe('image/jpeg');
            expect(res.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
            bodies.push(Buffer.from(await res.arrayBuffer()));
          }
          const direct = await fetch(url);
          expect(direct.status).toBe(200);
          expect(direct.headers.get('content-type')).toBe('image/jpeg');
          expect(direct.headers.get('cache-control')).toBe('public, max-age=31536000, immutable');
          bodies.push(Buffer.from(await direct.arrayBuffer()));
          for (const b of bodies) expect(b.equals(bodies[0]!)).toBe(true);
          expect(bodies[0]!.subarray(0, 2).toString('hex')).toBe('ffd8');
        }),
      );
    });
  },
);
