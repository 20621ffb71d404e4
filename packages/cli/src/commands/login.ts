import { parseCommand } from '../args.ts';
import {
  clientFor,
  configPath,
  readConfigFile,
  removeConfigFile,
  writeConfigFile,
} from '../config.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';

const KEY = /^gt_[A-Za-z0-9]{32,}$/;

const OPTIONS = {
  key: { type: 'string', short: 'k' },
  'base-url': { type: 'string' },
  'no-verify': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
} as const;

/** `goodtake login --key gt_...`: check the key, then save it for later commands. */
export async function login(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('login', args, OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}' (use --key)`, 'login');
  }
  const key = values.key?.trim();
  if (!key) throw new UsageError('--key is required: goodtake login --key gt_...', 'login');
  if (!KEY.test(key)) {
    throw new UsageError(
      '--key does not look like a GoodTake key (gt_ and 32+ letters or digits)',
      'login',
    );
  }
  const path = configPath(ctx.io.env);
  const previous = await readConfigFile(path);
  const flagBase = values['base-url']?.trim();
  if (flagBase !== undefined && (!URL.canParse(flagBase) || !/^https?:/.test(flagBase))) {
    throw new UsageError(`--base-url must be an http(s) URL, got '${flagBase}'`, 'login');
  }
  const storedBase = flagBase?.replace(/\/+$/, '') ?? previous?.base_url;
  const baseURL =
    flagBase ?? (ctx.io.env.GOODTAKE_BASE_URL?.trim() || storedBase) ?? 'https://api.goodtake.ai';
  ctx.baseURL = baseURL;

  let who = '';
  if (values['no-verify'] !== true) {
    const client = clientFor({ apiKey: key, baseURL, timeoutMs: 30_000 }, 'login');
    const account = await client.account.retrieve({ signal: ctx.io.signal });
    who = ` as ${account.name} (${account.id}), ${account.available} credits available`;
  }
  await writeConfigFile(path, {
    api_key: key,
    ...(storedBase !== undefined ? { base_url: storedBase } : {}),
  });
  ctx.io.stdout(`Logged in to ${baseURL}${who}.\nSaved to ${path} (readable by you only).\n`);
  if (ctx.io.env.GOODTAKE_API_KEY) {
    ctx.io.stderr(
      'Note: GOODTAKE_API_KEY is set in your environment and takes precedence over the saved key.\n',
    );
  }
  return EXIT.ok;
}

/** `goodtake logout`: forget the saved key. */
export async function logout(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { positionals } = parseCommand('logout', args, { help: { type: 'boolean', short: 'h' } });
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, 'logout');
  }
  const path = configPath(ctx.io.env);
  ctx.io.stdout(
    (await removeConfigFile(path)) ? `Removed ${path}.\n` : `Not logged in (no ${path}).\n`,
  );
  return EXIT.ok;
}
