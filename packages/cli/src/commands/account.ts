import { CONNECTION_OPTIONS, parseCommand } from '../args.ts';
import { clientFor, resolveConnection } from '../config.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';

const OPTIONS = { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } as const;

/** `goodtake account`: balance, limits, prices. */
export async function account(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('account', args, OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, 'account');
  }
  const connection = await resolveConnection(values, ctx.io);
  ctx.baseURL = connection.baseURL;
  const { data: a, body } = await clientFor(connection, 'account')
    .account.retrieve({ signal: ctx.io.signal })
    .withResponse();
  if (values.json) {
    ctx.io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    return EXIT.ok;
  }
  const limit = (n: number, unit: string) => (n === 0 ? `unlimited ${unit}` : `${n} ${unit}`);
  const prices = Object.entries(a.prices)
    .map(([model, price]) => `${model}: ${price} credit${price === 1 ? '' : 's'}/image`)
    .join(', ');
  ctx.io.stdout(
    [
      `Account    ${a.name} (${a.id})`,
      `Server     ${connection.baseURL}`,
      `Key        ${a.key.name} (${a.key.prefix}…)`,
      `Balance    ${a.balance} credits (${a.reserved} reserved, ${a.available} available)`,
      `Limits     ${limit(a.limits.requests_per_minute, 'requests/min')}, ${limit(a.limits.concurrent_generations, 'concurrent generations')}`,
      `Prices     ${prices}`,
      '',
    ].join('\n'),
  );
  return EXIT.ok;
}
