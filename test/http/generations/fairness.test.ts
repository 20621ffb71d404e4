import { afterAll, beforeAll, expect, it } from 'vitest';
import { createTestApp, type TestApp } from '../../helpers/harness.ts';
import { getGeneration, submit } from './helpers.ts';

// Fairness, measured: with one account's 2,000 generations queued behind 4 busy workers (2 s
// each), another account's single generation is next in line and starts as soon as a worker
// frees, instead of after the backlog (which would take 1,000 s). The bound, in scheduling
// order rather than time: position 0 at submit, and at most one backlog job (one already being
// dispatched) started between its submit and its start. The wait is printed (about one
// generation's time on an idle machine); the bench measures waits under load.

const JOB_MS = 2000;
const WORKERS = 4;
const BACKLOG = 2000;
let t: TestApp;

beforeAll(async () => {
  t = await createTestApp({
    credits: 10_000,
    env: {
      GOODTAKE_WORKERS: String(WORKERS),
      GOODTAKE_OFFLINE_DELAY_MS: String(JOB_MS),
      GOODTAKE_JOB_POLL_MS: '50',
    },
  });
});
afterAll(() => t.close());

it(`starts another account's job next, behind ${BACKLOG} queued of one account`, {
  timeout: 180_000,
}, async () => {
  const body = { prompt: 'Backlog', model: 'seedream-4-0-250828', size: '1K' };
  const submitted = performance.now();
  for (let i = 0; i < BACKLOG; i++) {
    const { res } = await submit(t, body);
    expect(res.status).toBe(202);
  }
  const submitSeconds = (performance.now() - submitted) / 1000;
  const db = t.application.core.database.db;
  const queued = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('status', '=', 'queued')
    .executeTakeFirstOrThrow();
  expect(Number(queued.n)).toBeGreaterThan(BACKLOG - 200);

  const other = await t.createAccount(100);
  const single = await submit(t, body, { key: other.key });
  const at = await getGeneration(t, single.id, other.key);
  expect(at.body.status).toBe('queued');
  expect(at.body.data.position).toBe(0);
  let state = at.body.status;
  const deadline = Date.now() + 60_000;
  while (state === 'queued' && Date.now() < deadline) {
    await new Promise((r) => setTimeout(r, 25));
    state = (await getGeneration(t, single.id, other.key)).body.status;
  }
  const row = await db
    .selectFrom('jobs')
    .select(['created_at', 'started_at'])
    .where('id', '=', single.id)
    .executeTakeFirstOrThrow();
  expect(row.started_at).not.toBeNull();
  const waitMs = Number(row.started_at) - Number(row.created_at);
  const overtaken = await db
    .selectFrom('jobs')
    .select((eb) => eb.fn.countAll<number>().as('n'))
    .where('account_id', '=', t.accountId)
    .where('started_at', '>', Number(row.created_at))
    .where('started_at', '<=', Number(row.started_at))
    .executeTakeFirstOrThrow();
  console.info(
    `fairness: ${BACKLOG} submits in ${submitSeconds.toFixed(1)} s; the other account's job waited ${waitMs} ms behind ${Number(queued.n)} queued (${Number(overtaken.n)} backlog job(s) started meanwhile; one generation takes ${JOB_MS} ms)`,
  );
  expect(Number(overtaken.n)).toBeLessThanOrEqual(1);
});
