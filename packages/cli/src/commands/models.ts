import { CONNECTION_OPTIONS, parseCommand } from '../args.ts';
import { clientFor, resolveConnection } from '../config.ts';
import type { CommandContext } from '../context.ts';
import { EXIT, UsageError } from '../errors.ts';
import { table } from '../output.ts';

const OPTIONS = { ...CONNECTION_OPTIONS, json: { type: 'boolean' } } as const;

/** `goodtake models`: the server's models and what each image costs. */
export async function models(args: readonly string[], ctx: CommandContext): Promise<number> {
  const { values, positionals } = parseCommand('models', args, OPTIONS);
  if (positionals.length > 0) {
    throw new UsageError(`unexpected argument '${positionals[0]}'`, 'models');
  }
  const connection = await resolveConnection(values, ctx.io);
  ctx.baseURL = connection.baseURL;
  const { data, body } = await clientFor(connection, 'models')
    .models.list({ signal: ctx.io.signal })
    .withResponse();
  if (values.json) {
    ctx.io.stdout(`${JSON.stringify(body, null, 2)}\n`);
    return EXIT.ok;
  }
  ctx.io.stdout(
    table(
      ['IDENTIFIER', 'NAME', 'COST PER IMAGE', 'DEFAULT SIZE', 'BLEND', 'STATUS'],
      data.models.map((m) => [
        m.default ? `${m.id} (default)` : m.id,
        m.name,
        `${m.price_per_image} credit${m.price_per_image === 1 ? '' : 's'}`,
        m.default_size,
        m.capabilities.blend ? `up to ${m.capabilities.max_source_images}` : 'no',
        m.available ? 'available' : 'unavailable',
      ]),
    ),
  );
  return EXIT.ok;
}
