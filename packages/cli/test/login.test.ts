import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestServer, type TestServer } from '../../sdk/test/helpers/server.ts';
import { buildCli, goodtake, tempDir } from './helpers/run.ts';

let server: TestServer;
const WRONG_KEY = `gt_${'Z'.repeat(40)}`;
beforeAll(async () => {
  buildCli();
  server = await startTestServer();
});
afterAll(() => server.stop());

const mode = (path: string) => statSync(path).mode & 0o777;

describe('goodtake login / logout', () => {
  it('checks the key, writes it 0600 in a 0700 directory, and later commands use it', async () => {
    const xdg = tempDir();
    const env = { XDG_CONFIG_HOME: xdg };
    const login = await goodtake(['login', '--key', server.key, '--base-url', server.url], { env });
    expect(login.stderr).toBe('');
    expect(login.code).toBe(0);
    const file = join(xdg, 'goodtake', 'config.json');
    expect(login.stdout).toContain(`Logged in to ${server.url} as default (acc_`);
    expect(login.stdout).toContain(`Saved to ${file}`);
    expect(mode(file)).toBe(0o600);
    expect(mode(join(xdg, 'goodtake'))).toBe(0o700);
    expect(JSON.parse(readFileSync(file, 'utf8'))).toEqual({
      api_key: server.key,
      base_url: server.url,
    });

    const account = await goodtake(['account'], { env });
    expect(account.code).toBe(0);
    expect(account.stdout).toContain(`Server     ${server.url}`);

    const logout = await goodtake(['logout'], { env });
    expect(logout.stdout).toBe(`Removed ${file}.\n`);
    expect(existsSync(file)).toBe(false);
    expect((await goodtake(['logout'], { env })).stdout).toContain('Not logged in');
    expect((await goodtake(['account'], { env })).code).toBe(2);
  });

  it('falls back to ~/.config, and honours GOODTAKE_CONFIG', async () => {
    const home = tempDir();
    expect(
      (
        await goodtake(['login', '-k', server.key, '--base-url', server.url], {
          env: { HOME: home },
        })
      ).code,
    ).toBe(0);
    expect(mode(join(home, '.config', 'goodtake', 'config.json'))).toBe(0o600);

    const custom = join(tempDir(), 'deep', 'gt.json');
    const env = { GOODTAKE_CONFIG: custom };
    expect(
      (await goodtake(['login', '--key', server.key, '--base-url', server.url], { env })).code,
    ).toBe(0);
    expect(mode(custom)).toBe(0o600);
    expect((await goodtake(['account'], { env })).code).toBe(0);
  });

  it('tightens an existing, looser config file', async () => {
    const dir = join(tempDir(), 'goodtake');
    mkdirSync(dir);
    const file = join(dir, 'config.json');
    writeFileSync(file, '{}', { mode: 0o644 });
    const run = await goodtake(
      ['login', '--key', server.key, '--base-url', server.url, '--no-verify'],
      {
        env: { GOODTAKE_CONFIG: file },
      },
    );
    expect(run.code).toBe(0);
    expect(mode(file)).toBe(0o600);
  });

  it('precedence: flags over environment over file', async () => {
    const env = { GOODTAKE_CONFIG: join(tempDir(), 'config.json') };
    await goodtake(['login', '--key', server.key, '--base-url', server.url], { env });
    // A wrong key in the environment beats the good one in the file...
    const envWins = await goodtake(['account'], { env: { ...env, GOODTAKE_API_KEY: WRONG_KEY } });
    expect(envWins.code).toBe(3);
    // ...and a good key in a flag beats the wrong one in the environment.
    const flagWins = await goodtake(['account', '--api-key', server.key], {
      env: { ...env, GOODTAKE_API_KEY: WRONG_KEY },
    });
    expect(flagWins.code).toBe(0);
    // Same for the base URL: a dead one in the environment is used over the file's.
    const deadUrl = await goodtake(['account', '--timeout', '5'], {
      env: { ...env, GOODTAKE_BASE_URL: 'http://127.0.0.1:9' },
    });
    expect(deadUrl.code).toBe(4);
  });

  it('refuses a key the server rejects (exit 3, nothing saved) and a malformed one (exit 2)', async () => {
    const env = { GOODTAKE_CONFIG: join(tempDir(), 'config.json') };
    const rejected = await goodtake(['login', '--key', WRONG_KEY, '--base-url', server.url], {
      env,
    });
    expect(rejected.code).toBe(3);
    expect(existsSync(env.GOODTAKE_CONFIG)).toBe(false);
    const malformed = await goodtake(['login', '--key', 'sk-123'], { env });
    expect(malformed.code).toBe(2);
    expect((await goodtake(['login'], { env })).code).toBe(2);
  });

  it('a config file that is not JSON is a usage error naming it', async () => {
    const file = join(tempDir(), 'config.json');
    writeFileSync(file, 'api_key = gt_x');
    const run = await goodtake(['account'], { env: { GOODTAKE_CONFIG: file } });
    expect(run.code).toBe(2);
    expect(run.stderr).toContain(`${file} is not valid JSON`);
  });
});
