import { describe, expect, it } from 'vitest';
import {
  admit,
  type CircuitRecord,
  CLOSED,
  createMemoryCircuitBreaker,
  record,
  stateOf,
} from '../../src/routing/circuit.ts';

// The circuit's rules, as pure functions and in the in-process store. The Redis store runs the
// same rules in Lua: test/http/fallback.test.ts in the scale-out project and
// test/scale-out/circuit.test.ts drive it through HTTP.
const S = { failureThreshold: 3, cooldownMs: 1000, probeLeaseMs: 500 };

describe('circuit rules', () => {
  it('opens after the threshold of consecutive failures; a success in between resets', () => {
    let r: CircuitRecord = CLOSED;
    r = record(r, false, 0, S);
    r = record(r, false, 0, S);
    r = record(r, true, 0, S);
    expect(r).toEqual(CLOSED);
    for (let i = 0; i < 3; i++) r = record(r, false, 10, S);
    expect(stateOf(r, 10, S)).toBe('open');
    expect(admit(r, 500, S)).toMatchObject({ admitted: false, state: 'open' });
  });

  it('after the cool-down lets exactly one probe through, until its lease ends', () => {
    const open: CircuitRecord = { failures: 3, openedAt: 0, probeUntil: null };
    const first = admit(open, 1000, S);
    expect(first).toMatchObject({ admitted: true, probe: true, state: 'half_open' });
    expect(admit(first.next, 1200, S)).toMatchObject({ admitted: false, state: 'half_open' });
    // A probe that never reported frees the way for another after its lease.
    expect(admit(first.next, 1500, S)).toMatchObject({ admitted: true, probe: true });
  });

  it("closes on the probe's success and re-opens on its failure", () => {
    const probing: CircuitRecord = { failures: 3, openedAt: 0, probeUntil: 1500 };
    expect(record(probing, true, 1100, S)).toEqual(CLOSED);
    const reopened = record(probing, false, 1100, S);
    expect(stateOf(reopened, 1100, S)).toBe('open');
    expect(stateOf(reopened, 2099, S)).toBe('open');
    expect(stateOf(reopened, 2100, S)).toBe('half_open');
  });
});

describe('in-process circuits', () => {
  it('keeps one circuit per route', async () => {
    let now = 0;
    const breaker = createMemoryCircuitBreaker(S, () => now);
    for (let i = 0; i < 3; i++) await breaker.report('modelark/a', false);
    expect(await breaker.state('modelark/a')).toBe('open');
    expect(await breaker.state('fal/a')).toBe('closed');
    expect((await breaker.admit('modelark/a')).admitted).toBe(false);
    now = 1000;
    expect(await breaker.admit('modelark/a')).toEqual({
      admitted: true,
      probe: true,
      state: 'half_open',
    });
    expect((await breaker.admit('modelark/a')).admitted).toBe(false);
    expect(await breaker.report('modelark/a', true)).toBe('closed');
    expect((await breaker.admit('modelark/a')).admitted).toBe(true);
  });
});
