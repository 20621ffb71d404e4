import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CliIo } from '../src/cli/io.ts';
import { runCli } from '../src/cli/main.ts';
import { type CoreServices, openCore } from '../src/compose.ts';
import { loadConfig } from '../src/config.ts';
import { CreditLimitError, MAX_BALANCE, MAX_CREDIT_AMOUNT } from '../src/ledger/limits.ts';
import { createPgSchema, scaleOutUrls } from './helpers/scale-out.ts';

/*
 * Credit amounts are exact at every size the ledger accepts, and sizes beyond its documented
 * maxima are refused with a message saying so: on SQLite, and on PostgreSQL when
 * GOODTAKE_TEST_DATABASE_URL is set.
 */

const urls = scaleOutUrls();
const databases: Array<[string, boolean]> = [
  ['SQLite', true],
  ['PostgreSQL', urls.ok],
];
if (!urls.ok) {
  console.warn(`ledger limits on PostgreSQL skipped: ${urls.reason}`);
}

/** Runs the admin CLI in-process with `env`; returns its exit code and output. */
async function cli(args: string[], env: Record<string, string>) {
  let out = '';
  let err = '';
  let code = 0;
  const io: CliIo = {
    out: (t) => {
      out += t;
    },
    err: (t) => {
      err += t;
    },
    env: { LOG_LEVEL: 'silent', ...env },
    fail: (c) => {
      code = c;
    },
    exitCode: () => code,
  };
  return { code: await runCli(args, io), out, err };
}

describe.each(databases)('ledger limits on %s', (_name, available) => {
  let dir: string;
  let env: Record<string, string>;
  let core: CoreServices;
  let drop: (() => Promise<void>) | undefined;

  beforeAll(async () => {
    if (!available) return;
    dir = mkdtempSync(join(tmpdir(), 'goodtake-limits-'));
    env = { GOODTAKE_DATA_DIR: dir };
    if (_name === 'PostgreSQL' && urls.ok) {
      const schema = await createPgSchema(urls.urls.databaseUrl);
      drop = schema.drop;
      env = { ...env, DATABASE_URL: schema.url, GOODTAKE_KEY_SECRET: 'k'.repeat(40) };
    }
    core = await openCore(loadConfig(env), { migrate: true });
  });
  afterAll(async () => {
    if (!available) return;
    await core.close();
    await drop?.();
    rmSync(dir, { recursive: true, force: true });
  });

  it.skipIf(!available)('refuses a single amount over the maximum, clearly', async () => {
    const account = await core.accounts.create({ name: 'big', credits: MAX_CREDIT_AMOUNT });
    await expect(core.ledger.grant(account.id, MAX_CREDIT_AMOUNT + 1, 'too much')).rejects.toThrow(
      new CreditLimitError('a grant must be a whole number of credits from 1 to 1,000,000,000,000'),
    );
    await expect(core.ledger.grant(account.id, 2 ** 60, 'far too much')).rejects.toThrow(
      CreditLimitError,
    );
    await expect(core.ledger.adjust(account.id, -(MAX_CREDIT_AMOUNT + 1), 'x')).rejects.toThrow(
      CreditLimitError,
    );
    expect(await core.ledger.balance(account.id)).toMatchObject({ balance: MAX_CREDIT_AMOUNT });

    const refused = await cli(
      ['credits', 'grant', '--account', account.id, '--amount', '9007199254740993'],
      env,
    );
    expect(refused.code).toBe(1);
    expect(refused.err).toContain('--amount must be at most 1,000,000,000,000');
    expect(refused.err).not.toContain('too large to be represented');
  });

  it.skipIf(!available)('refuses to take a balance past the maximum', async () => {
    const account = await core.accounts.create({ name: 'rich', credits: 0 });
    await sql`update accounts set balance = ${MAX_BALANCE - 10} where id = ${account.id}`.execute(
      core.database.db,
    );
    await sql`insert into ledger_entries (id, account_id, kind, amount, generation_id, reason, created_at)
      values (${`le_${account.id}`}, ${account.id}, 'grant', ${MAX_BALANCE - 10}, null, 'setup', 0)`.execute(
      core.database.db,
    );
    await expect(core.ledger.grant(account.id, 11, 'over')).rejects.toThrow(
      /past the maximum of 1,000,000,000,000,000 credits/,
    );
    expect(await core.ledger.adjust(account.id, 11, 'over')).toEqual({
      ok: false,
      reason: 'over_maximum',
    });
    expect(await core.ledger.grant(account.id, 10, 'to the brim')).toMatchObject({
      balance: MAX_BALANCE,
    });
    const granted = await cli(['credits', 'grant', '--account', account.id, '--amount', '1'], env);
    expect(granted.code).toBe(1);
    expect(granted.err).toMatch(
      /^error: a grant of 1 would take the balance of acc_\w+ \(1000000000000000\) past the maximum/m,
    );
  });

  it.skipIf(!available)('verifies exactly when lifetime sums pass 2^53', async () => {
    const account = await core.accounts.create({ name: 'busy', credits: 5 });
    // 10,000 grants of the maximum, each taken back by an adjustment: the balance stays 5,
    // the lifetime sums reach 10^16 each, past 2^53 - 1 (about 9.007 * 10^15).
    const rows = Array.from({ length: 10_000 }, (_, i) => [
      { kind: 'grant' as const, amount: MAX_CREDIT_AMOUNT, i },
      { kind: 'adjustment' as const, amount: -MAX_CREDIT_AMOUNT, i },
    ]).flat();
    for (let at = 0; at < rows.length; at += 500) {
      await core.database.db
        .insertInto('ledger_entries')
        .values(
          rows.slice(at, at + 500).map((r) => ({
            id: `le_${account.id}_${r.kind}_${r.i}`,
            account_id: account.id,
            kind: r.kind,
            amount: r.amount,
            generation_id: null,
            reason: 'history',
            created_at: 0,
          })),
        )
        .execute();
    }
    expect(10_000 * MAX_CREDIT_AMOUNT).toBeGreaterThan(Number.MAX_SAFE_INTEGER);
    expect(await core.ledger.verify()).toEqual([]);
    const verified = await cli(['credits', 'verify'], env);
    // Nothing on stderr but the line naming the data directory and database.
    expect(verified.code).toBe(0);
    expect(verified.err).toMatch(/^goodtake: data directory \S+, database \S+\n$/);

    // One credit off in those sums is found, and said exactly.
    await core.database.db
      .insertInto('ledger_entries')
      .values({
        id: `le_${account.id}_stray`,
        account_id: account.id,
        kind: 'grant',
        amount: 1,
        generation_id: null,
        reason: 'stray',
        created_at: 0,
      })
      .execute();
    expect(await core.ledger.verify()).toEqual([
      expect.objectContaining({ accountId: account.id, field: 'balance', expected: 6, actual: 5 }),
    ]);
    const mismatch = await cli(['credits', 'verify', '--json'], env);
    expect(mismatch.code).toBe(1);
    expect(JSON.parse(mismatch.out).mismatches).toHaveLength(1);
  });
});
