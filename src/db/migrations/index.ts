import type { Migration } from 'kysely';
import * as m0001 from './0001_initial.ts';
import * as m0002 from './0002_idempotency.ts';
import * as m0003 from './0003_idempotency_generation.ts';
import * as m0004 from './0004_console.ts';
import * as m0005 from './0005_generation_attempts.ts';
import * as m0006 from './0006_image_provenance.ts';
import * as m0007 from './0007_jobs.ts';
import * as m0007a from './0007a_webhooks.ts';
import * as m0008 from './0008_generation_end_user.ts';
import * as m0009b from './0009b_job_fair_tags.ts';
import * as m0009c from './0009c_job_queue_counts.ts';

/** Every migration, in order. One set for SQLite and PostgreSQL alike. */
export const migrations: Record<string, Migration> = {
  '0001_initial': m0001,
  '0002_idempotency': m0002,
  '0003_idempotency_generation': m0003,
  '0004_console': m0004,
  '0005_generation_attempts': m0005,
  '0006_image_provenance': m0006,
  '0007_jobs': m0007,
  '0007a_webhooks': m0007a,
  '0008_generation_end_user': m0008,
  '0009b_job_fair_tags': m0009b,
  '0009c_job_queue_counts': m0009c,
};
