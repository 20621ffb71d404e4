import { mkdir, readFile, rename, rm, writeFile } from 'node:fs/promises';
import { homedir } from 'node:os';
import { dirname, join } from 'node:path';
import { DEFAULT_BASE_URL, GoodTake } from '@goodtake/sdk';
import { UsageError } from './errors.ts';
import type { ClientCliIo } from './io.ts';

/** What `goodtake login` stores. */
export interface StoredConfig {
  readonly api_key?: string;
  readonly base_url?: string;
}

/** `$GOODTAKE_CONFIG`, else `${XDG_CONFIG_HOME:-~/.config}/goodtake/config.json`. */
export function configPath(env: ClientCliIo['env']): string {
  if (env.GOODTAKE_CONFIG) return env.GOODTAKE_CONFIG;
  const base = env.XDG_CONFIG_HOME || join(env.HOME || homedir(), '.config');
  return join(base, 'goodtake', 'config.json');
}

export async function readConfigFile(path: string): Promise<StoredConfig | undefined> {
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return undefined;
    throw err;
  }
  try {
    const parsed: unknown = JSON.parse(text);
    if (typeof parsed !== 'object' || parsed === null) throw new Error('not an object');
    const { api_key, base_url } = parsed as Record<string, unknown>;
    return {
      ...(typeof api_key === 'string' ? { api_key } : {}),
      ...(typeof base_url === 'string' ? { base_url } : {}),
    };
  } catch {
    throw new UsageError(
      `the config file ${path} is not valid JSON; fix it or run 'goodtake logout'`,
    );
  }
}

/**
 * Writes the config file readable by its owner only (0600, in a 0700 directory when the
 * directory is new). Written to a temporary file and renamed, so a reader never sees half of
 * it and an older, looser file mode is not kept.
 */
export async function writeConfigFile(path: string, config: StoredConfig): Promise<void> {
  await mkdir(dirname(path), { recursive: true, mode: 0o700 });
  const temp = `${path}.${process.pid}.tmp`;
  await writeFile(temp, `${JSON.stringify(config, null, 2)}\n`, { mode: 0o600, flag: 'w' });
  await rename(temp, path);
}

/** Removes the config file; false when there was none. */
export async function removeConfigFile(path: string): Promise<boolean> {
  try {
    await rm(path);
    return true;
  } catch (err) {
    if ((err as { code?: string }).code === 'ENOENT') return false;
    throw err;
  }
}

/** Flags every command accepts for reaching the API. */
export interface ConnectionFlags {
  readonly 'api-key'?: string | undefined;
  readonly 'base-url'?: string | undefined;
  readonly timeout?: string | undefined;
}

export interface Connection {
  readonly apiKey: string | undefined;
  readonly baseURL: string;
  readonly timeoutMs: number | undefined;
}

/** The key and base URL to use: flags, then environment, then the config file, then defaults. */
export async function resolveConnection(
  flags: ConnectionFlags,
  io: ClientCliIo,
): Promise<Connection> {
  const file = await readConfigFile(configPath(io.env));
  const pick = (...values: Array<string | undefined>) =>
    values.find((v) => v !== undefined && v.trim() !== '')?.trim();
  const baseURL =
    pick(flags['base-url'], io.env.GOODTAKE_BASE_URL, file?.base_url) ?? DEFAULT_BASE_URL;
  if (!URL.canParse(baseURL) || !/^https?:/.test(baseURL)) {
    throw new UsageError(`the base URL must be an http(s) URL, got '${baseURL}'`);
  }
  let timeoutMs: number | undefined;
  if (flags.timeout !== undefined) {
    const seconds = Number(flags.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0 || seconds > 86_400) {
      throw new UsageError(`--timeout must be a number of seconds, got '${flags.timeout}'`);
    }
    timeoutMs = Math.round(seconds * 1000);
  }
  return {
    apiKey: pick(flags['api-key'], io.env.GOODTAKE_API_KEY, file?.api_key),
    baseURL,
    timeoutMs,
  };
}

/** An SDK client for a resolved connection, or a usage error when there is no key. */
export function clientFor(connection: Connection, command: string): GoodTake {
  if (!connection.apiKey) {
    throw new UsageError(
      "no API key: run 'goodtake login --key gt_...', set GOODTAKE_API_KEY, or pass --api-key",
      command,
    );
  }
  return new GoodTake({
    apiKey: connection.apiKey,
    baseURL: connection.baseURL,
    ...(connection.timeoutMs !== undefined ? { timeout: connection.timeoutMs } : {}),
  });
}
