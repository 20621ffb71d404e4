import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config.ts';

// Configuration alone switches each part to its scale-out implementation; a half-configured
// part stops start-up with a message that names the variable.
const base = { GOODTAKE_DATA_DIR: '/tmp/goodtake-config-test' };
const problems = (env: Record<string, string>) => {
  try {
    loadConfig({ ...base, ...env });
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return (err as Error).message;
  }
  throw new Error('expected a ConfigError');
};

describe('scale-out configuration', () => {
  it('defaults to the embedded mode: in-process limits, local images', () => {
    const config = loadConfig(base);
    expect(config.redis).toBeUndefined();
    expect(config.storage).toEqual({ kind: 'local' });
    expect(config.databaseUrl).toMatch(/^sqlite:/);
  });

  it('switches each part by its variables', () => {
    const config = loadConfig({
      ...base,
      DATABASE_URL: 'postgres://goodtake@db.internal:5432/goodtake',
      GOODTAKE_KEY_SECRET: 'k'.repeat(40),
      REDIS_URL: 'redis://cache.internal:6379/2',
      STORAGE: 's3',
      S3_BUCKET: 'goodtake-images',
      S3_ENDPOINT: 'https://s3.example.com/',
      S3_REGION: 'eu-central-1',
      S3_ACCESS_KEY_ID: 'AKIA',
      S3_SECRET_ACCESS_KEY: 'secret',
      S3_FORCE_PATH_STYLE: 'true',
      PUBLIC_BASE_URL: 'https://img.example.com/',
    });
    expect(config.databaseUrl).toBe('postgres://goodtake@db.internal:5432/goodtake');
    expect(config.redis).toEqual({
      url: 'redis://cache.internal:6379/2',
      failureMode: 'closed',
      prefix: 'goodtake:',
    });
    expect(config.storage).toEqual({
      kind: 's3',
      bucket: 'goodtake-images',
      endpoint: 'https://s3.example.com',
      region: 'eu-central-1',
      credentials: { accessKeyId: 'AKIA', secretAccessKey: 'secret' },
      forcePathStyle: true,
    });
    expect(config.publicBaseUrl).toBe('https://img.example.com');
  });

  it('uses AWS defaults when only the bucket is given', () => {
    const config = loadConfig({ ...base, STORAGE: 's3', S3_BUCKET: 'b' });
    expect(config.storage).toEqual({
      kind: 's3',
      bucket: 'b',
      endpoint: undefined,
      region: 'us-east-1',
      credentials: undefined,
      forcePathStyle: false,
    });
  });

  it('takes PUBLIC_BASE_URL and GOODTAKE_PUBLIC_BASE_URL as one setting', () => {
    expect(
      loadConfig({ ...base, GOODTAKE_PUBLIC_BASE_URL: 'https://a.example' }).publicBaseUrl,
    ).toBe('https://a.example');
    expect(
      loadConfig({
        ...base,
        GOODTAKE_PUBLIC_BASE_URL: 'https://a.example',
        PUBLIC_BASE_URL: 'https://a.example/',
      }).publicBaseUrl,
    ).toBe('https://a.example');
    expect(
      problems({
        GOODTAKE_PUBLIC_BASE_URL: 'https://a.example',
        PUBLIC_BASE_URL: 'https://b.example',
      }),
    ).toContain('PUBLIC_BASE_URL and GOODTAKE_PUBLIC_BASE_URL are the same setting');
    expect(problems({ PUBLIC_BASE_URL: 'img.example.com' })).toContain(
      'PUBLIC_BASE_URL must be an absolute URL',
    );
  });

  it('sets the Redis failure mode and key prefix', () => {
    const config = loadConfig({
      ...base,
      REDIS_URL: 'rediss://user:pw@cache:6380',
      GOODTAKE_REDIS_FAILURE_MODE: 'open',
      GOODTAKE_REDIS_PREFIX: 'gt-prod:',
    });
    expect(config.redis).toEqual({
      url: 'rediss://user:pw@cache:6380',
      failureMode: 'open',
      prefix: 'gt-prod:',
    });
    expect(
      problems({ REDIS_URL: 'redis://x', GOODTAKE_REDIS_FAILURE_MODE: 'sometimes' }),
    ).toContain('GOODTAKE_REDIS_FAILURE_MODE');
    expect(problems({ REDIS_URL: 'cache.internal:6379' })).toContain(
      'REDIS_URL must start with redis:// or rediss://',
    );
  });

  it('names every half-configured storage setting, all at once', () => {
    const message = problems({
      STORAGE: 's3',
      S3_ACCESS_KEY_ID: 'AKIA',
      S3_ENDPOINT: 'minio:9000',
    });
    expect(message).toContain('STORAGE=s3 needs S3_BUCKET');
    expect(message).toContain('S3_ACCESS_KEY_ID and S3_SECRET_ACCESS_KEY go together');
    expect(message).toContain('S3_ENDPOINT must be an absolute http(s) URL');
    expect(problems({ S3_BUCKET: 'b' })).toContain('S3_BUCKET is set but STORAGE is not s3');
    expect(problems({ STORAGE: 'gcs' })).toContain('STORAGE');
  });
});
