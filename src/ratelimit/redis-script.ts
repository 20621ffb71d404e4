import type { Redis } from 'ioredis';

/** A Lua script run atomically by Redis, as a typed function of its keys and arguments. */
export type RedisScript = (
  keys: readonly string[],
  args: ReadonlyArray<string | number>,
) => Promise<unknown>;

/**
 * Registers `lua` on the client under `name` (ioredis `defineCommand`: EVALSHA, falling back to
 * EVAL when the server does not have the script cached yet) and returns it as a function.
 */
export function defineScript(
  client: Redis,
  name: string,
  lua: string,
  numberOfKeys: number,
): RedisScript {
  client.defineCommand(name, { lua, numberOfKeys });
  const command = (client as unknown as Record<string, (...a: unknown[]) => Promise<unknown>>)[
    name
  ];
  if (typeof command !== 'function') throw new Error(`could not define Redis script ${name}`);
  return (keys, args) => {
    if (keys.length !== numberOfKeys) {
      throw new Error(`${name} takes ${numberOfKeys} key(s), got ${keys.length}`);
    }
    return command.call(client, ...keys, ...args);
  };
}

/**
 * Lua: the Redis server's clock in epoch milliseconds. Every replica's decision is taken on this
 * one clock, so skew between the replicas' own clocks cannot widen or narrow a window.
 */
export const LUA_NOW_MS = `
local t = redis.call('TIME')
local now = tonumber(t[1]) * 1000 + math.floor(tonumber(t[2]) / 1000)
`;

/** Reads an integer out of a script reply (ioredis returns Lua integers as numbers). */
export function replyInts(reply: unknown, count: number): number[] {
  if (!Array.isArray(reply) || reply.length < count) {
    throw new Error(`unexpected Redis script reply ${JSON.stringify(reply)}`);
  }
  return reply.slice(0, count).map((v) => {
    const n = typeof v === 'number' ? v : Number(v);
    if (!Number.isFinite(n))
      throw new Error(`unexpected Redis script reply ${JSON.stringify(reply)}`);
    return n;
  });
}
