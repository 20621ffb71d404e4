/*
 * A circuit breaker per route (provider + upstream model): after `failureThreshold`
 * consecutive failures the route is open and not called; after `cooldownMs` one probe is let
 * through (half-open) while the others keep falling back; the probe's success closes it, its
 * failure opens it for another cool-down. The rules are this pure state machine; where the
 * state lives (this process, or Redis for every replica) is a store's business.
 */

export interface CircuitSettings {
  /** Consecutive failures that open the circuit. */
  readonly failureThreshold: number;
  /** How long an open circuit refuses calls before it lets one probe through. */
  readonly cooldownMs: number;
  /** How long a probe may run before another one may be let through. */
  readonly probeLeaseMs: number;
}

export type CircuitState = 'closed' | 'open' | 'half_open';

/** What is kept per route. */
export interface CircuitRecord {
  readonly failures: number;
  /** When it opened (last), or null while closed. */
  readonly openedAt: number | null;
  /** Until when a probe in flight holds the half-open circuit, or null. */
  readonly probeUntil: number | null;
}

export const CLOSED: CircuitRecord = { failures: 0, openedAt: null, probeUntil: null };

/** The state a record is in at `now` (reading it changes nothing). */
export function stateOf(r: CircuitRecord, now: number, s: CircuitSettings): CircuitState {
  if (r.openedAt === null) return 'closed';
  return now < r.openedAt + s.cooldownMs ? 'open' : 'half_open';
}

export interface Admission {
  /** Whether the route may be called now. */
  readonly admitted: boolean;
  /** The call is the half-open circuit's probe. */
  readonly probe: boolean;
  /** The state the call found. */
  readonly state: CircuitState;
  readonly next: CircuitRecord;
}

/** Whether a call may go through now, and the record after letting it (a probe takes the lease). */
export function admit(r: CircuitRecord, now: number, s: CircuitSettings): Admission {
  const state = stateOf(r, now, s);
  if (state === 'closed') return { admitted: true, probe: false, state, next: r };
  if (state === 'open') return { admitted: false, probe: false, state, next: r };
  if (r.probeUntil !== null && now < r.probeUntil) {
    return { admitted: false, probe: false, state, next: r };
  }
  return { admitted: true, probe: true, state, next: { ...r, probeUntil: now + s.probeLeaseMs } };
}

/** The record after a call's result: a success closes, a failure counts or (re)opens. */
export function record(
  r: CircuitRecord,
  ok: boolean,
  now: number,
  s: CircuitSettings,
): CircuitRecord {
  if (ok) return CLOSED;
  if (r.openedAt !== null) return { failures: r.failures + 1, openedAt: now, probeUntil: null };
  const failures = r.failures + 1;
  return failures >= s.failureThreshold
    ? { failures, openedAt: now, probeUntil: null }
    : { failures, openedAt: null, probeUntil: null };
}

/** Where circuits live: one process (memory) or every replica (Redis). */
export interface CircuitBreaker {
  /** Asks to call `route` now. */
  admit(route: string): Promise<{ admitted: boolean; probe: boolean; state: CircuitState }>;
  /** Tells how the admitted call ended (`ok`: the upstream answered, even with a refusal). */
  report(route: string, ok: boolean): Promise<CircuitState>;
  /** The route's state now, for listings and metrics. */
  state(route: string): Promise<CircuitState>;
}

/** Circuits in this process: enough for one replica, and the fallback without Redis. */
export function createMemoryCircuitBreaker(
  settings: CircuitSettings,
  now: () => number = Date.now,
): CircuitBreaker {
  const records = new Map<string, CircuitRecord>();
  const get = (route: string) => records.get(route) ?? CLOSED;
  return {
    async admit(route) {
      const a = admit(get(route), now(), settings);
      records.set(route, a.next);
      return { admitted: a.admitted, probe: a.probe, state: a.state };
    },
    async report(route, ok) {
      const next = record(get(route), ok, now(), settings);
      records.set(route, next);
      return stateOf(next, now(), settings);
    },
    async state(route) {
      return stateOf(get(route), now(), settings);
    },
  };
}
