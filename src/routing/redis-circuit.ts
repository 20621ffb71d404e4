import type { Redis } from 'ioredis';
import { defineScript, LUA_NOW_MS, replyInts } from '../ratelimit/redis-script.ts';
import type { CircuitBreaker, CircuitSettings, CircuitState } from './circuit.ts';

// The rules of circuit.ts (admit, record, stateOf) as Lua scripts, so that every replica reads
// and changes one route's circuit atomically, timed by the Redis server's clock. A route's hash
// has `f` (consecutive failures), `o` (when it opened, -1 while closed) and `p` (until when a
// probe holds the half-open circuit, -1 when none does).

const READ = `${LUA_NOW_MS}
local h = redis.call('HMGET', KEYS[1], 'f', 'o', 'p')
local f = tonumber(h[1]) or 0
local o = tonumber(h[2]) or -1
local p = tonumber(h[3]) or -1
local cooldown = tonumber(ARGV[1])
local state = 0
if o >= 0 then
  if now < o + cooldown then state = 1 else state = 2 end
end
`;

// ARGV: cooldown ms, probe lease ms, ttl ms. Returns { admitted, probe, state }.
const ADMIT = `${READ}
if state == 0 then return { 1, 0, 0 } end
if state == 1 then return { 0, 0, 1 } end
if p >= 0 and now < p then return { 0, 0, 2 } end
redis.call('HSET', KEYS[1], 'p', now + tonumber(ARGV[2]))
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[3]))
return { 1, 1, 2 }
`;

// ARGV: cooldown ms, ok (1/0), threshold, ttl ms. Returns { state }.
const REPORT = `${READ}
if ARGV[2] == '1' then
  redis.call('DEL', KEYS[1])
  return { 0 }
end
f = f + 1
if o >= 0 or f >= tonumber(ARGV[3]) then
  redis.call('HSET', KEYS[1], 'f', f, 'o', now, 'p', -1)
  redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
  return { 1 }
end
redis.call('HSET', KEYS[1], 'f', f, 'o', -1, 'p', -1)
redis.call('PEXPIRE', KEYS[1], tonumber(ARGV[4]))
return { 0 }
`;

// ARGV: cooldown ms. Returns { state }.
const STATE = `${READ}
return { state }
`;

const STATES: readonly CircuitState[] = ['closed', 'open', 'half_open'];

export interface RedisCircuitOptions {
  readonly client: Redis;
  /** Key prefix of the installation, e.g. `goodtake:`. */
  readonly prefix: string;
  readonly settings: CircuitSettings;
  /** When Redis cannot be reached, circuits count as closed (calls go through) and this is told. */
  readonly onFailure: (err: unknown) => void;
}

/** Circuits shared by every replica on one Redis. */
export function createRedisCircuitBreaker(options: RedisCircuitOptions): CircuitBreaker {
  const { client, prefix, settings } = options;
  const admitScript = defineScript(client, 'goodtakeCircuitAdmit', ADMIT, 1);
  const reportScript = defineScript(client, 'goodtakeCircuitReport', REPORT, 1);
  const stateScript = defineScript(client, 'goodtakeCircuitState', STATE, 1);
  const key = (route: string) => `${prefix}circuit:${route}`;
  // Long enough to outlive a cool-down and a probe; an idle route's record then goes away.
  const ttl = Math.max(3_600_000, 4 * (settings.cooldownMs + settings.probeLeaseMs));
  const cooldown = settings.cooldownMs;
  return {
    async admit(route) {
      try {
        const [admitted, probe, state] = replyInts(
          await admitScript([key(route)], [cooldown, settings.probeLeaseMs, ttl]),
          3,
        );
        return { admitted: admitted === 1, probe: probe === 1, state: STATES[state!] ?? 'closed' };
      } catch (err) {
        options.onFailure(err);
        return { admitted: true, probe: false, state: 'closed' };
      }
    },
    async report(route, ok) {
      try {
        const [state] = replyInts(
          await reportScript(
            [key(route)],
            [cooldown, ok ? '1' : '0', settings.failureThreshold, ttl],
          ),
          1,
        );
        return STATES[state!] ?? 'closed';
      } catch (err) {
        options.onFailure(err);
        return 'closed';
      }
    },
    async state(route) {
      try {
        const [state] = replyInts(await stateScript([key(route)], [cooldown]), 1);
        return STATES[state!] ?? 'closed';
      } catch (err) {
        options.onFailure(err);
        return 'closed';
      }
    },
  };
}
