import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../../src/cli/io.ts';
import { runCli } from '../../src/cli/main.ts';
import { ConsoleClient } from '../helpers/console.ts';
import { createTestApp, type TestApp } from '../helpers/harness.ts';

/** Runs the admin CLI in-process; `stdin` is what standard input holds. */
async function cli(args: string[], env: Record<string, string>, stdin = '') {
  let out = '';
  let err = '';
  let code = 0;
  const io: CliIo = {
    out: (s) => {
      out += s;
    },
    err: (s) => {
      err += s;
    },
    env: { LOG_LEVEL: 'silent', ...env },
    fail: (c) => {
      code = c;
    },
    exitCode: () => code,
    readStdin: async () => stdin,
  };
  return { code: await runCli(args, io), out, err };
}

let t: TestApp;
let env: Record<string, string>;
beforeAll(async () => {
  t = await createTestApp();
  env = { GOODTAKE_DATA_DIR: t.dataDir };
});
afterAll(() => t.close());

describe('goodtake users create', () => {
  it('creates the first operator with a password from standard input, who can sign in', async () => {
    const created = await cli(
      [
        'users',
        'create',
        '--email',
        'Root@Example.com',
        '--role',
        'operator',
        '--password-stdin',
        '--json',
      ],
      env,
      'a long operator password\n',
    );
    expect(created.code, created.err).toBe(0);
    expect(JSON.parse(created.out)).toMatchObject({
      email: 'root@example.com',
      role: 'operator',
      link: null,
    });
    const c = new ConsoleClient(t.request);
    expect((await c.signIn('root@example.com', 'a long operator password')).status).toBe(200);
    expect((await c.request('/console/api/audit')).status).toBe(200);
  });

  it('prints a one-time set-password link for a member, and refuses what makes no sense', async () => {
    const created = await cli(
      ['users', 'create', '--email', 'm@example.com', '--role', 'member', '--account', t.accountId],
      { ...env, PORT: '9999' },
    );
    expect(created.code, created.err).toBe(0);
    expect(created.out).toMatch(
      /one-time link to set the password .*\n {2}http:\/\/localhost:9999\/console\/#\/set-password\/[A-Za-z0-9_-]{43}\n/,
    );
    expect(
      (await cli(['users', 'create', '--email', 'm@example.com', '--account', t.accountId], env))
        .err,
    ).toContain('already a user');
    expect((await cli(['users', 'create', '--email', 'x@example.com'], env)).err).toContain(
      '--account',
    );
    expect(
      (
        await cli(
          ['users', 'create', '--email', 'y@example.com', '--role', 'operator', '--password-stdin'],
          env,
          'short',
        )
      ).err,
    ).toContain('at least 10 characters');
    expect((await cli(['users', 'create', '--email', 'nope'], env)).code).toBe(1);
  });
});

describe('admin CLI rough edges', () => {
  it('prints its version', async () => {
    const res = await cli(['--version'], env);
    expect(res.code).toBe(0);
    expect(res.out.trim()).toMatch(/^\d+\.\d+\.\d+/);
  });

  it('says which data directory it uses and refuses to create one unless asked', async () => {
    const listed = await cli(['accounts', 'list', '--json'], env);
    expect(listed.err).toContain(`data directory ${t.dataDir}`);
    const empty = mkdtempSync(join(tmpdir(), 'goodtake-nodata-'));
    try {
      const elsewhere = join(empty, 'data');
      const refused = await cli(['accounts', 'list'], { GOODTAKE_DATA_DIR: elsewhere });
      expect(refused.code).toBe(1);
      expect(refused.err).toContain('there is no goodtake database');
      expect(refused.err).toContain('--init');
      expect(existsSync(elsewhere)).toBe(false);
      const created = await cli(['--init', 'accounts', 'list', '--json'], {
        GOODTAKE_DATA_DIR: elsewhere,
      });
      expect(created.code, created.err).toBe(0);
      expect(existsSync(join(elsewhere, 'goodtake.db'))).toBe(true);
    } finally {
      rmSync(empty, { recursive: true, force: true });
    }
  });
});
