import { describe, expect, it } from 'vitest';
import { classifyUpstreamError } from '../../../src/providers/modelark/error-codes.ts';
import type { ProviderFailureKind } from '../../../src/providers/provider.ts';
import { makeJob, makeProvider, startFake } from './helpers.ts';

const RETRIES = 2;

type Row = readonly [
  status: number,
  code: string,
  kind: ProviderFailureKind,
  attempts: number,
  operator: boolean,
];

// Every code of the research file's error table (§1.9), and what goodtake makes of it.
const TABLE: readonly Row[] = [
  [400, 'MissingParameter', 'unavailable', 1, true],
  [400, 'MissingParameter.prompt', 'unavailable', 1, true],
  [400, 'InvalidParameter', 'unavailable', 1, true],
  [400, 'InvalidParameter.size', 'unavailable', 1, true],
  [400, 'InvalidImageURL.EmptyURL', 'invalid_input', 1, false],
  [400, 'InvalidImageURL.InvalidFormat', 'invalid_input', 1, false],
  [400, 'InvalidEndpoint.ClosedEndpoint', 'unavailable', 1, true],
  [400, 'SensitiveContentDetected', 'content_policy', 1, false],
  [400, 'SensitiveContentDetected.SevereViolation', 'content_policy', 1, false],
  [400, 'SensitiveContentDetected.Violence', 'content_policy', 1, false],
  [400, 'InputTextSensitiveContentDetected', 'content_policy', 1, false],
  [400, 'InputImageSensitiveContentDetected', 'content_policy', 1, false],
  [400, 'InputImageSensitiveContentDetected.PrivacyInformation', 'content_policy', 1, false],
  [400, 'InputImageSensitiveContentDetected.PolicyViolation', 'content_policy', 1, false],
  [400, 'OutputImageSensitiveContentDetected', 'content_policy', 1, false],
  [400, 'OutputImageSensitiveContentDetected.DeepFake', 'content_policy', 1, false],
  [401, 'AuthenticationError', 'unavailable', 1, true],
  [401, 'InvalidAccountStatus', 'unavailable', 1, true],
  [403, 'InvalidAccountStatus', 'unavailable', 1, true],
  [403, 'AccountOverdueError', 'unavailable', 1, true],
  [403, 'OperationDenied.ServiceOverdue', 'unavailable', 1, true],
  [403, 'AccessDenied', 'unavailable', 1, true],
  [403, 'OperationDenied.ServiceNotOpen', 'unavailable', 1, true],
  [404, 'InvalidEndpointOrModel.NotFound', 'unavailable', 1, true],
  [404, 'ModelNotOpen', 'unavailable', 1, true],
  [404, 'InvalidEndpointOrModel.ModelIDAccessDisabled', 'unavailable', 1, true],
  [429, 'ModelAccountIpmRateLimitExceeded', 'rate_limited', RETRIES + 1, false],
  [429, 'RateLimitExceeded.EndpointRPMExceeded', 'rate_limited', RETRIES + 1, false],
  [429, 'ModelAccountRpmRateLimitExceeded', 'rate_limited', RETRIES + 1, false],
  [429, 'APIAccountRpmRateLimitExceeded', 'rate_limited', RETRIES + 1, false],
  [429, 'AccountRateLimitExceeded', 'rate_limited', RETRIES + 1, false],
  [429, 'QuotaExceeded', 'rate_limited', 1, true],
  [429, 'ServerOverloaded', 'rate_limited', RETRIES + 1, false],
  [429, 'RequestBurstTooFast', 'rate_limited', RETRIES + 1, false],
  [429, 'SetLimitExceeded', 'rate_limited', 1, true],
  [429, 'InflightBatchsizeExceeded', 'rate_limited', RETRIES + 1, false],
  [429, 'SomethingNew', 'rate_limited', RETRIES + 1, false],
  [500, 'InternalServiceError', 'unavailable', RETRIES + 1, false],
  [502, '', 'unavailable', RETRIES + 1, false],
  [503, '', 'unavailable', RETRIES + 1, false],
  // A gateway timeout may hide a generation in progress: not retried.
  [504, '', 'timeout', 1, false],
  [400, 'SomethingNew', 'unavailable', 1, true],
];

describe('ModelArk error mapping', () => {
  it.each(TABLE)(
    'HTTP %i %s → %s after %i attempt(s)',
    async (status, code, kind, attempts, operator) => {
      const fake = await startFake();
      fake.script({ status, code, times: RETRIES + 1 });
      const { provider, logs } = makeProvider(fake, { maxRetries: RETRIES });
      const outcome = await provider.generate(makeJob());
      if (outcome.ok) throw new Error('expected a failure');
      expect(outcome.failure.kind).toBe(kind);
      expect(fake.generations()).toHaveLength(attempts);
      // Upstream detail (with its request id) is logged, never shown to the client.
      expect(outcome.failure.message).not.toMatch(/request id/i);
      expect(outcome.failure.message).not.toContain(code || '§');
      const logged = logs.lines.filter((l) => l.code === code);
      expect(logged.length).toBeGreaterThan(0);
      expect(String(logged[0]?.upstreamMessage)).toMatch(/Request id: 021/);
      const operatorLines = logs.lines.filter((l) => l.level === 50);
      expect(operatorLines.length > 0).toBe(operator);
      if (kind === 'rate_limited') expect(outcome.failure.retryAfter).toBeGreaterThan(0);
    },
  );

  it('logs an operator-facing line saying what to fix', async () => {
    const fake = await startFake();
    fake.script({ status: 401, code: 'AuthenticationError' });
    const { provider, logs } = makeProvider(fake);
    await provider.generate(makeJob());
    const line = logs.lines.find((l) => l.level === 50);
    expect(line?.msg).toMatch(/API key/);
    expect(line?.msg).toMatch(/region/);
  });

  it('never logs the API key', async () => {
    const fake = await startFake({ apiKey: 'ark-very-secret-key' });
    fake.script(
      { status: 401, code: 'AuthenticationError' },
      { status: 500, code: 'InternalServiceError' },
    );
    const { provider, logs } = makeProvider(fake);
    await provider.generate(makeJob());
    await provider.generate(makeJob({ prompt: 'x [[fake:expired_url]]' }));
    expect(logs.raw.length).toBeGreaterThan(0);
    expect(logs.raw.join('\n')).not.toContain('ark-very-secret-key');
  });

  it('maps the fake’s own moderation refusals', async () => {
    const fake = await startFake();
    const { provider } = makeProvider(fake);
    const prompts = {
      '[[fake:input_text_sensitive]]': 'prompt',
      '[[fake:input_image_sensitive]]': 'input image',
      '[[fake:output_sensitive]]': 'generated image',
    };
    for (const [marker, what] of Object.entries(prompts)) {
      const outcome = await provider.generate(makeJob({ prompt: `a scene ${marker}` }));
      expect(outcome).toEqual({
        ok: false,
        // The upstream's id of the request, for the attempt record and the logs.
        upstreamRequestId: expect.any(String),
        failure: { kind: 'content_policy', message: expect.stringContaining(what) },
      });
    }
    expect(fake.generations()).toHaveLength(3);
  });

  it('treats an error inside a 200 reply by its code', async () => {
    const fake = await startFake();
    const item = {
      error: { code: 'OutputImageSensitiveContentDetected', message: 'blocked. Request id: 1' },
    };
    fake.script({ status: 200, body: { model: 'seedream-4-5-251128', created: 1, data: [item] } });
    const { provider } = makeProvider(fake);
    const outcome = await provider.generate(makeJob());
    expect(outcome.ok || outcome.failure.kind).toBe('content_policy');
  });

  it('classifies by code first, then by status', () => {
    expect(classifyUpstreamError(200, 'InternalServiceError')).toEqual({
      action: 'retry',
      exhausted: 'unavailable',
    });
    expect(classifyUpstreamError(429, '')).toEqual({ action: 'retry', exhausted: 'rate_limited' });
    expect(classifyUpstreamError(400, 'OutputImageSensitiveContentDetected')).toMatchObject({
      action: 'fail',
      kind: 'content_policy',
    });
    expect(classifyUpstreamError(403, '')).toMatchObject({ action: 'fail', kind: 'unavailable' });
  });
});
