import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/config.ts';
import { maskedConfig } from '../../src/console/config-summary.ts';

describe('the configuration on the health page', () => {
  it('shows the settings in force and no secret', () => {
    const secrets = {
      GOODTAKE_KEY_SECRET: 'k'.repeat(40),
      DATABASE_URL: 'postgres://goodtake:db-password-123@db.internal:5432/goodtake',
      REDIS_URL: 'redis://:redis-password-456@redis.internal:6379',
      ARK_API_KEY: 'ark-secret-key-789',
      FAL_KEY: 'fal-secret-key-321',
      REPLICATE_API_TOKEN: 'r8_replicate-secret-654',
      STORAGE: 's3',
      S3_BUCKET: 'images',
      S3_ACCESS_KEY_ID: 'AKIAEXAMPLEACCESS',
      S3_SECRET_ACCESS_KEY: 's3-secret-access-key',
      GOODTAKE_SMTP_URL: 'smtp://mailer:smtp-password-000@mail.internal:587',
      GOODTAKE_METRICS_TOKEN: 'metrics-token-abcdefgh',
      GOODTAKE_C2PA_CERT: '-----BEGIN CERTIFICATE-----\nMIIB...\n-----END CERTIFICATE-----',
      GOODTAKE_C2PA_KEY:
        '-----BEGIN PRIVATE KEY-----\nsecretkeymaterial\n-----END PRIVATE KEY-----',
    };
    const lines = maskedConfig(loadConfig(secrets));
    const text = JSON.stringify(lines);
    for (const secret of [
      'kkkkkkkkkkkkkkkkkkkk',
      'db-password-123',
      'redis-password-456',
      'ark-secret-key-789',
      'fal-secret-key-321',
      'replicate-secret-654',
      'AKIAEXAMPLEACCESS',
      's3-secret-access-key',
      'smtp-password-000',
      'metrics-token-abcdefgh',
      'secretkeymaterial',
    ]) {
      expect(text, secret).not.toContain(secret);
    }
    expect(lines.keySecret).toBe('****');
    expect(lines['metrics.token']).toBe('****');
    expect(lines.databaseUrl).toContain('db.internal:5432');
    expect(lines['catalog.models']).toContain('seedream-4-5-251128');
    expect(Object.values(lines).some((v) => v.includes('=>'))).toBe(false);
  });
});
