import { configDefaults, defineConfig } from 'vitest/config';

// Two projects. `embedded`: every test, the HTTP suite on SQLite, local disk and in-process
// limits. `scale-out`: the HTTP suite once more, each test app on its own PostgreSQL schema,
// Redis key prefix and S3 bucket (GOODTAKE_TEST_DATABASE_URL / GOODTAKE_TEST_REDIS_URL, and an
// S3-compatible server the project's global setup starts), plus the multi-replica tests.
// Without those URLs the scale-out project runs only its notices, which say what was skipped.
const scaleOutAvailable = Boolean(
  process.env.GOODTAKE_TEST_DATABASE_URL && process.env.GOODTAKE_TEST_REDIS_URL,
);

export default defineConfig({
  test: {
    testTimeout: 30_000,
    hookTimeout: 30_000,
    pool: 'forks',
    projects: [
      {
        extends: true,
        test: {
          name: 'embedded',
          include: ['test/**/*.test.ts', 'src/**/*.test.ts', 'packages/*/test/**/*.test.ts'],
          exclude: [...configDefaults.exclude, 'test/scale-out/**'],
        },
      },
      {
        extends: true,
        test: {
          name: 'scale-out',
          include: scaleOutAvailable
            ? ['test/http/**/*.test.ts', 'test/scale-out/**/*.test.ts']
            : ['test/scale-out/**/*.test.ts'],
          env: { GOODTAKE_TEST_SCALE_OUT: '1' },
          globalSetup: ['test/scale-out/global-setup.ts'],
        },
      },
    ],
  },
});
